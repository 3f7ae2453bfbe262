// Starts a workflow through the Temporal Web UI's "Start Workflow" form, as an operator would, in
// headless Chromium driven by Playwright. Prints the run id the UI got back.
//
// usage: node start-workflow.cjs UI_URL WORKFLOW_ID TASK_QUEUE WORKFLOW_TYPE JSON_INPUT SCREENSHOT
const path = require('path');
const playwrightDir = process.env.VMBACKUP_PLAYWRIGHT
  || '/var/cache/vmbackup/node/node_modules/playwright-core';
const { chromium } = require(playwrightDir);

const [ui, workflowId, taskQueue, workflowType, input, screenshot] = process.argv.slice(2);

(async () => {
  // These flags keep Chromium off the network it cannot reach here (see the machine notes).
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${ui}/namespaces/default/workflows/start-workflow`, { waitUntil: 'networkidle' });
    await page.fill('#workflowId', workflowId);
    await page.fill('#taskQueue', taskQueue);
    await page.fill('#workflowType', workflowType);
    // The input is a CodeMirror editor, not a form field: click into it and type. The form takes the
    // editor's text when it loses focus, hence the Tab.
    await page.click('.cm-content');
    await page.keyboard.type(input);
    await page.keyboard.press('Tab');
    const started = page.waitForResponse(response => response.request().method() === 'POST'
      && response.url().includes(`/workflows/${encodeURIComponent(workflowId)}`), { timeout: 60000 });
    await page.click('[data-testid="start-workflow-button"]');
    const response = await started;
    const body = await response.json();
    await page.waitForTimeout(1000);
    await page.screenshot({ path: screenshot, fullPage: true });
    if (response.status() !== 200) {
      throw new Error(`the UI's start request answered ${response.status()}: ${JSON.stringify(body)}`);
    }
    console.log(body.runId);
  } catch (error) {
    await browser.contexts()[0]?.pages()[0]?.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
    console.error(`start-workflow: ${error.message}`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
})();
