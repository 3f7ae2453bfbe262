// Validates a compose file against the Compose Specification's JSON schema (draft 2019-09), the one
// Docker Compose itself loads (github.com/compose-spec/compose-go).
// usage: node validate-compose.cjs NODE_MODULES SCHEMA COMPOSE_FILE
const [modules, schemaFile, composeFile] = process.argv.slice(2);
const fs = require('fs');
const Ajv2019 = require(`${modules}/ajv/dist/2019`).default;
const addFormats = require(`${modules}/ajv-formats`);
const YAML = require(`${modules}/yaml`);

const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
// compose-go's own format: a port or port range, optionally with a protocol.
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8'));
// The schema names its draft with a trailing "#", which Ajv registers without; the draft is the one
// Ajv2019 implements, so the name can go.
delete schema.$schema;
// It still uses the pre-2019 keyword "id" (as string annotations, e.g. "#/definitions/service"),
// which Ajv refuses; they identify nothing that a reference uses, so they go.
(function dropOldIds(node) {
  if (Array.isArray(node)) {
    node.forEach(dropOldIds);
  } else if (node && typeof node === 'object') {
    if (typeof node.id === 'string') {
      delete node.id;
    }
    Object.values(node).forEach(dropOldIds);
  }
})(schema);
const validate = ajv.compile(schema);
const document = YAML.parse(fs.readFileSync(composeFile, 'utf8'));
if (!validate(document)) {
  for (const error of validate.errors) {
    console.error(`${composeFile}: ${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`);
  }
  process.exit(1);
}
