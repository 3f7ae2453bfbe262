// Checks what the compose file exposes, as README "Security" states it: only the API is published to
// the network; every other published port is on loopback; Temporal's frontend is not published; every
// vmbackup service connects to Temporal with a client certificate, and the API with a token file.
// usage: node check-exposure.cjs NODE_MODULES COMPOSE_FILE
const [modules, composeFile] = process.argv.slice(2);
const fs = require('fs');
const YAML = require(`${modules}/yaml`);

const services = YAML.parse(fs.readFileSync(composeFile, 'utf8')).services;
const problems = [];
for (const [name, service] of Object.entries(services)) {
  if (service.network_mode === 'host') {
    problems.push(`${name}: host networking would expose every port it listens on`);
  }
  for (const port of service.ports || []) {
    const text = typeof port === 'object' ? `${port.host_ip || ''}:${port.published}` : String(port);
    if (name !== 'vmbackup-server' && !text.startsWith('127.0.0.1:')) {
      problems.push(`${name}: port ${text} is published beyond loopback`);
    }
  }
  const command = (service.command || []).join(' ');
  if (name.startsWith('vmbackup-') && !/--tls-cert \S+ --tls-key \S+/.test(command)) {
    problems.push(`${name}: connects to Temporal without a client certificate`);
  }
}
if ((services.temporal.ports || []).length > 0) {
  problems.push('temporal: its frontend is published');
}
if (services.temporal.environment.TEMPORAL_TLS_REQUIRE_CLIENT_AUTH !== 'true') {
  problems.push('temporal: client certificates are not required');
}
if (!services['temporal-ui'].environment.TEMPORAL_TLS_CERT) {
  problems.push('temporal-ui: connects to Temporal without a client certificate');
}
if (!/--token-file \S+/.test(services['vmbackup-server'].command.join(' '))) {
  problems.push('vmbackup-server: no token file');
}
problems.forEach((problem) => console.error(`${composeFile}: ${problem}`));
process.exit(problems.length > 0 ? 1 : 0);
