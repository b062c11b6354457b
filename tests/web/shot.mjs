import { chromium } from 'playwright-core';
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox'] });
for (const [name, vp, mob, y] of [['ph1', {width:390,height:844}, true, 0], ['ph2', {width:390,height:844}, true, 1700], ['d1', {width:1280,height:1000}, false, 0], ['d2', {width:1280,height:1000}, false, 1000]]) {
  const c = await b.newContext({ viewport: vp, isMobile: mob, deviceScaleFactor: 1 });
  const p = await c.newPage();
  await p.goto('file://' + process.argv[2]);
  await p.evaluate((y) => window.scrollTo(0, y), y);
  await p.screenshot({ path: `/tmp/${name}.png` });
  await c.close();
}
await b.close();
