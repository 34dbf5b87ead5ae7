// SPDX-License-Identifier: GPL-3.0-or-later
// The web client (web/) in headless Chromium against a real duet-server
// (fresh SQLite database) and a real duet-call, calling both ways.
//
// Usage: node web-calls.mjs SCENARIO   (browser-calls-kit | kit-calls-browser)
// Env:   DUET_SERVER, DUET_CALL, DUET_WEB_ROOT (the web/ folder), CHROMIUM
//        (default: chromium on PATH), DUET_WEB_SCREENSHOT (a PNG path: the
//        call once both muted in browser-calls-kit, the incoming call in
//        kit-calls-browser), DUET_TEST_LIVENESS_MS.
// Exit:  0 pass, 1 fail, 77 skip (run-web-test.sh checks node and chromium).
//
// Every wait is on a condition with a generous deadline; the only fixed
// delay is the ringing the scenario asks for.

import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';

const SERVER = process.env.DUET_SERVER || 'duet-server';
const CLIENT = process.env.DUET_CALL || 'duet-call';
const WEB_ROOT = process.env.DUET_WEB_ROOT;
const CHROMIUM = process.env.CHROMIUM || 'chromium';
const LIVENESS_MS = process.env.DUET_TEST_LIVENESS_MS || '3000';
const RING_MS = 2000;
const STEP_MS = 20000;           // any one step; a loaded machine is slow, not stuck
const PASSWORD = 'secret';

class Fail extends Error {}

function check(condition, what) {
  if (!condition)
    throw new Fail(what);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const log = (...args) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...args);

// Polls @probe until it returns a truthy value
async function until(probe, what, timeout = STEP_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await probe();
    if (last)
      return last;
    if (Date.now() > deadline)
      throw new Fail(`${what}: not reached in ${timeout / 1000} s`);
    await sleep(100);
  }
}

// ---- the server ----

class Server {
  constructor(dir) {
    this.dir = dir;
    this.db = join(dir, 'duet.sqlite');
    for (const user of ['alice', 'bob'])
      this.run(['user', 'add', '--db', this.db, '--user', user, '--password-stdin', '--kdf-cost', 'min'], `${PASSWORD}\n`);
  }

  run(args, input) {
    const result = spawnSync(SERVER, args, {input, encoding: 'utf8'});
    if (result.status !== 0)
      throw new Fail(`duet-server ${args[0]}: ${result.stderr}`);
    return result.stdout;
  }

  async start() {
    this.logPath = join(this.dir, 'server.log');
    this.proc = spawn(SERVER, ['serve', '--port', '0', '--db', this.db, '--ring-timeout', '60',
                               '--grace-period', '30', '--web-root', WEB_ROOT],
                      {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, G_MESSAGES_DEBUG: ''}});
    this.log = [];
    this.proc.stderr.on('data', (chunk) => this.log.push(chunk.toString()));
    const line = await new Promise((resolve, reject) => {
      createInterface({input: this.proc.stdout}).once('line', resolve);
      this.proc.once('exit', (code) => reject(new Fail(`duet-server exited (${code}): ${this.log.join('')}`)));
    });
    const match = /listening on (http:\/\/[0-9.]+:\d+)/.exec(line);
    check(match, `duet-server did not start: ${line}`);
    this.url = match[1];
  }

  token(user) {
    return this.run(['token', '--db', this.db, '--user', user, '--device', 'cli']).trim().split(/\s+/).pop();
  }

  stop() {
    if (this.proc && this.proc.exitCode === null)
      this.proc.kill('SIGTERM');
  }
}

// ---- duet-call, the kit's command line: JSON events on stdout ----

class KitClient {
  constructor(server, user, args) {
    this.user = user;
    this.events = [];
    this.waiters = [];
    this.stderr = [];
    const env = {...process.env, DUET_VIDEO_WIDTH: '320', DUET_VIDEO_HEIGHT: '240', DUET_VIDEO_FPS: '15',
                 DUET_LIVENESS_TIMEOUT_MS: LIVENESS_MS, XDG_DATA_HOME: join(server.dir, 'data')};
    this.proc = spawn(CLIENT, ['--server', server.url, '--user', user, '--token-stdin', '--test-sources',
                               '--network-grace-period', '10', ...args],
                      {stdio: ['pipe', 'pipe', 'pipe'], env});
    this.proc.stderr.on('data', (chunk) => this.stderr.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    createInterface({input: this.proc.stdout}).on('line', (line) => {
      let event;
      try {
        event = JSON.parse(line);
      } catch (e) {
        event = {event: 'bad-line', line};
      }
      this.events.push(event);
    });
    this.send(server.token(user));
  }

  send(line) {
    this.proc.stdin.write(`${line}\n`);
  }

  find(name, after = 0, pred = () => true) {
    return this.events.slice(after).find((e) => e.event === name && pred(e));
  }

  wait(name, {after = 0, pred = () => true, timeout = STEP_MS} = {}) {
    return until(() => this.find(name, after, pred), `${this.user}: ${name} event`, timeout)
      .catch((e) => {
        throw new Fail(`${e.message}; events: ${this.names().join(' ')}`);
      });
  }

  names() {
    return this.events.map((e) => e.event).filter((n) => n !== 'stats' && n !== 'audio-description-update');
  }

  lastStats() {
    const stats = this.events.filter((e) => e.event === 'stats');
    return stats.length ? stats[stats.length - 1] : {};
  }

  async exitCode(timeout = STEP_MS) {
    let timer;
    const late = new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Fail(`${this.user} did not exit; events ${this.names().join(' ')}`)), timeout);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill() {
    if (this.proc.exitCode === null)
      this.proc.kill('SIGKILL');
  }
}

// ---- the browser ----

async function loadPuppeteer() {
  try {
    return (await import('puppeteer-core')).default;
  } catch (e) {
    throw new Fail(`puppeteer-core is not installed: run "npm ci" in tests/web (tools/setup does) (${e.message})`);
  }
}

class Browser {
  async start(dir) {
    const puppeteer = await loadPuppeteer();
    this.console = [];
    this.browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: join(dir, 'chromium'),
      protocolTimeout: 60000,
      args: [
        '--no-sandbox',                       // CI runs as root
        '--use-fake-ui-for-media-stream',     // grants the camera and microphone
        '--use-fake-device-for-media-stream', // a test picture and a beep
        '--autoplay-policy=no-user-gesture-required',
        // all on one machine: the kit's host candidates on loopback, and ours unhidden
        '--allow-loopback-in-peer-connection',
        '--disable-features=WebRtcHideLocalIpsWithMdns',
        '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--mute-audio',
        '--window-size=1100,820',
      ],
    });
    this.page = await this.browser.newPage();
    await this.page.setViewport({width: 1100, height: 820});
    this.page.on('console', (message) => this.console.push(`${message.type()}: ${message.text()}`));
    this.page.on('pageerror', (error) => this.console.push(`pageerror: ${error.message}`));
    // the page shows window.duetDebug only when told so before it loads
    await this.page.evaluateOnNewDocument(() => sessionStorage.setItem('duet.debug', '1'));
  }

  async signIn(url, user) {
    await this.page.goto(url, {waitUntil: 'load'});
    await this.page.waitForSelector('#user', {visible: true, timeout: STEP_MS});
    await this.page.type('#user', user);
    await this.page.type('#password', PASSWORD);
    await this.page.click('#sign-in-button');
    await this.page.waitForSelector('#status[data-state="connected"]', {timeout: STEP_MS});
  }

  evaluate(fn, ...args) {
    return this.page.evaluate(fn, ...args);
  }

  callState() {
    return this.evaluate(() => (window.duetDebug && window.duetDebug.call ? window.duetDebug.call.state : null));
  }

  // Counters of what arrives and leaves, from RTCPeerConnection.getStats()
  stats() {
    return this.evaluate(async () => {
      const pc = window.duetDebug && window.duetDebug.pc;
      const out = {framesDecoded: 0, audioSamples: 0, audioPackets: 0, videoPacketsSent: 0, audioPacketsSent: 0};
      if (!pc)
        return out;
      (await pc.getStats()).forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video')
          out.framesDecoded += s.framesDecoded || 0;
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          out.audioSamples += s.totalSamplesReceived || 0;
          out.audioPackets += s.packetsReceived || 0;
        }
        if (s.type === 'outbound-rtp')
          out[s.kind === 'video' ? 'videoPacketsSent' : 'audioPacketsSent'] += s.packetsSent || 0;
      });
      return out;
    });
  }

  flags() {
    return this.evaluate(() => [...document.querySelectorAll('#peer-flags li')].map((li) => li.dataset.flag));
  }

  async stop() {
    if (this.browser)
      await this.browser.close().catch(() => {});
  }
}

// ---- checks shared by the scenarios ----

async function mediaFlowsInBrowser(browser) {
  const base = await browser.stats();
  log('browser stats at start', JSON.stringify(base));
  const grown = await until(async () => {
    const now = await browser.stats();
    return now.framesDecoded > base.framesDecoded + 20 && now.audioPackets > base.audioPackets + 50 &&
           now.audioSamples > base.audioSamples + 48000 ? now : null;
  }, 'browser: video frames decoded and audio received growing').catch(async (e) => {
    throw new Fail(`${e.message}; last ${JSON.stringify(await browser.stats())}`);
  });
  log('browser stats', JSON.stringify(grown));
  // and the page shows it: the peer's video element presents frames
  const shown = () => browser.evaluate(() => {
    const video = document.getElementById('remote-video');
    return {width: video.videoWidth, height: video.videoHeight,
            frames: video.getVideoPlaybackQuality().totalVideoFrames,
            visible: getComputedStyle(video).visibility === 'visible'};
  });
  const first = await shown();
  const later = await until(async () => {
    const now = await shown();
    return now.width > 0 && now.visible && now.frames > first.frames + 10 ? now : null;
  }, 'browser: the peer\'s video shown').catch(async (e) => {
    throw new Fail(`${e.message}; remote video ${JSON.stringify(await shown())}`);
  });
  log('remote video shown', JSON.stringify(later));
}

async function mediaFlowsInKit(kit) {
  const base = kit.lastStats();
  const v0 = base.video_frames_decoded || 0;
  const a0 = base.audio_buffers_decoded || 0;
  await kit.wait('stats', {after: kit.events.length,
                           pred: (s) => s.video_frames_decoded > v0 + 20 && s.audio_buffers_decoded > a0 + 50})
    .catch((e) => {
      throw new Fail(`${e.message}; last stats ${JSON.stringify(kit.lastStats())}`);
    });
  const s = kit.lastStats();
  log(`${kit.user} stats: video_frames_decoded ${s.video_frames_decoded}, audio_buffers_decoded ${s.audio_buffers_decoded},`,
      `rx ${s.rx_width}x${s.rx_height} at ${s.rx_fps} fps, rx_kbps ${s.rx_kbps}`);
}

// Each side sees the other's mute, both ways
async function muteBothWays(browser, kit, screenshot) {
  let after = kit.events.length;
  await browser.page.click('#mute');
  await kit.wait('peer-mic-muted', {after});
  log('duet-call saw the browser mute');
  kit.send('mute');
  await until(async () => (await browser.flags()).includes('muted'), 'browser: the kit\'s mute shown');
  log('the browser saw duet-call mute');
  if (screenshot) {
    await browser.page.screenshot({path: screenshot});
    log('screenshot', screenshot);
  }
  after = kit.events.length;
  await browser.page.click('#mute');
  await kit.wait('peer-mic-unmuted', {after});
  kit.send('unmute');
  await until(async () => !(await browser.flags()).includes('muted'), 'browser: the kit\'s unmute shown');
}

async function browserEnded(browser, reason, source) {
  await browser.page.waitForSelector('#ended:not([hidden])', {timeout: STEP_MS});
  const shown = await browser.evaluate(() => {
    const element = document.getElementById('ended-reason');
    return {reason: element.dataset.reason, source: element.dataset.source, text: element.textContent};
  });
  log('browser shows', JSON.stringify(shown.text));
  check(shown.reason === reason && shown.source === source,
        `browser: ended ${shown.reason}/${shown.source}, expected ${reason}/${source}`);
}

async function kitEnded(kit, reason, source, byRemote) {
  const e = await kit.wait('disconnected');
  check(e.reason === reason && e.source === source && e.by_remote === byRemote,
        `${kit.user}: disconnected ${JSON.stringify(e)}, expected ${reason}/${source}/${byRemote}`);
  const code = await kit.exitCode();
  check(code === 0, `${kit.user} exited ${code}`);
}

// ---- scenarios ----

// (a) the browser (alice) calls duet-call (bob), which rings 2 s, then accepts
async function browserCallsKit(ctx) {
  const bob = ctx.kit('bob', ['listen']);
  await bob.wait('server-connected');
  await ctx.browser.signIn(ctx.server.url, 'alice');
  await ctx.browser.page.type('#peer', 'bob');
  await ctx.browser.page.click('#video-call');

  await bob.wait('incoming-call');
  await until(async () => (await ctx.browser.callState()) === 'ringing', 'browser: ringing');
  log('bob rings');
  await sleep(RING_MS);
  check(await ctx.browser.callState() === 'ringing', 'browser: still ringing before the answer');
  bob.send('accept');
  await bob.wait('connected');
  await until(async () => (await ctx.browser.callState()) === 'connected', 'browser: connected');
  log('connected');

  await mediaFlowsInBrowser(ctx.browser);
  await mediaFlowsInKit(bob);
  await muteBothWays(ctx.browser, bob, process.env.DUET_WEB_SCREENSHOT);
  await mediaFlowsInBrowser(ctx.browser);

  await ctx.browser.page.click('#hang-up');
  await browserEnded(ctx.browser, 'NORMAL', 'CALLER');
  await kitEnded(bob, 'NORMAL', 'CALLER', true);
}

// (b) duet-call (alice) calls the browser (bob), which rings 2 s, then accepts in the page
async function kitCallsBrowser(ctx) {
  await ctx.browser.signIn(ctx.server.url, 'bob');
  const alice = ctx.kit('alice', ['call', 'bob']);

  await ctx.browser.page.waitForSelector('#incoming:not([hidden])', {timeout: STEP_MS});
  await alice.wait('verified');
  log('the browser rings');
  if (process.env.DUET_WEB_SCREENSHOT)
    await ctx.browser.page.screenshot({path: process.env.DUET_WEB_SCREENSHOT});
  await sleep(RING_MS);
  check(!alice.find('connected'), 'alice: connected before the answer');
  await ctx.browser.page.click('#accept');
  await alice.wait('connected');
  await until(async () => (await ctx.browser.callState()) === 'connected', 'browser: connected');
  log('connected');

  await mediaFlowsInBrowser(ctx.browser);
  await mediaFlowsInKit(alice);
  await muteBothWays(ctx.browser, alice, null);
  await mediaFlowsInKit(alice);

  alice.send('end');
  await kitEnded(alice, 'NORMAL', 'CALLER', false);
  await browserEnded(ctx.browser, 'NORMAL', 'CALLER');
}

// The other controls: decline, an audio call, the camera paused both ways,
// the peer hanging up, and signing out (the device is gone at the server)
async function controls(ctx) {
  await ctx.browser.signIn(ctx.server.url, 'bob');
  const page = ctx.browser.page;

  // duet-call (alice) calls; the page declines
  const first = ctx.kit('alice', ['call', 'bob']);
  await page.waitForSelector('#incoming:not([hidden])', {timeout: STEP_MS});
  await page.click('#decline');
  await kitEnded(first, 'DECLINE', 'CALLEE', true);
  await browserEnded(ctx.browser, 'DECLINE', 'CALLEE');
  await page.click('#dismiss');

  // the page places an audio call; duet-call answers; no camera button
  const second = ctx.kit('alice', ['listen', '--auto-accept']);
  await second.wait('server-connected');
  await page.type('#peer', 'alice');
  await page.click('#audio-call');
  await second.wait('connected');
  await until(async () => (await ctx.browser.callState()) === 'connected', 'browser: audio call connected');
  const audioOnly = await ctx.browser.evaluate(() => ({
    camera: document.getElementById('camera').hidden,
    flags: [...document.querySelectorAll('#peer-flags li')].map((li) => li.dataset.flag),
  }));
  check(audioOnly.camera, 'browser: a camera button in an audio call');
  const base = await ctx.browser.stats();
  await until(async () => (await ctx.browser.stats()).audioPackets > base.audioPackets + 50, 'browser: audio received');
  second.send('end');
  await kitEnded(second, 'NORMAL', 'CALLEE', false);
  await browserEnded(ctx.browser, 'NORMAL', 'CALLEE');
  await page.click('#dismiss');

  // a video call: the camera paused and resumed both ways
  const third = ctx.kit('alice', ['listen', '--auto-accept']);
  await third.wait('server-connected');
  await page.click('#video-call');
  await third.wait('connected');
  await until(async () => (await ctx.browser.callState()) === 'connected', 'browser: video call connected');
  let after = third.events.length;
  await page.click('#camera');
  await third.wait('peer-video-paused', {after});
  await sleep(300);   // what the encoder had already made may still go out
  const sent = (await ctx.browser.stats()).videoPacketsSent;
  await sleep(1000);
  check((await ctx.browser.stats()).videoPacketsSent - sent < 5, 'browser: video still sent while paused');
  after = third.events.length;
  await page.click('#camera');
  await third.wait('peer-video-resumed', {after});
  third.send('pause-video');
  await until(async () => (await ctx.browser.flags()).includes('paused'), 'browser: the kit\'s paused camera shown');
  third.send('resume-video');
  await until(async () => !(await ctx.browser.flags()).includes('paused'), 'browser: the kit\'s camera back');
  await page.click('#hang-up');
  await kitEnded(third, 'NORMAL', 'CALLER', true);
  await browserEnded(ctx.browser, 'NORMAL', 'CALLER');
  await page.click('#dismiss');

  // signing out forgets the token here and signs the device out at the server
  const token = await ctx.browser.evaluate(() => JSON.parse(sessionStorage.getItem('duet.session')).token);
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in:not([hidden])', {timeout: STEP_MS});
  check(await ctx.browser.evaluate(() => sessionStorage.getItem('duet.session')) === null, 'browser: token kept');
  await until(async () => {
    const response = await fetch(`${ctx.server.url}/v1/token/refresh`,
                                 {method: 'POST', headers: {Authorization: `Bearer ${token}`}});
    return response.status === 401;
  }, 'server: the signed-out device\'s token refused');
}

const SCENARIOS = {'browser-calls-kit': browserCallsKit, 'kit-calls-browser': kitCallsBrowser, controls};

async function main() {
  const name = process.argv[2];
  const scenario = SCENARIOS[name];
  if (!scenario) {
    console.error(`usage: web-calls.mjs ${Object.keys(SCENARIOS).join('|')}`);
    return 2;
  }
  check(WEB_ROOT && existsSync(join(WEB_ROOT, 'index.html')), 'DUET_WEB_ROOT must name the web/ folder');
  const dir = mkdtempSync(join(tmpdir(), 'duet-web-'));
  const kits = [];
  const ctx = {
    server: new Server(dir),
    browser: new Browser(),
    kit: (user, args) => {
      const kit = new KitClient(ctx.server, user, args);
      kits.push(kit);
      return kit;
    },
  };
  let status = 0;
  try {
    await ctx.server.start();
    await ctx.browser.start(dir);
    await scenario(ctx);
    log(`${name}: passed`);
  } catch (error) {
    status = 1;
    console.log(`FAIL ${name}: ${error instanceof Fail ? error.message : error.stack}`);
    console.log('--- page console');
    console.log((ctx.browser.console || []).join('\n'));
    for (const kit of kits)
      console.log(`--- ${kit.user} events: ${kit.names().join(' ')}\n--- ${kit.user} stderr (tail)\n` +
                  kit.stderr.join('').split('\n').slice(-30).join('\n'));
    console.log(`--- server log (tail)\n${(ctx.server.log || []).join('').split('\n').slice(-30).join('\n')}`);
  } finally {
    for (const kit of kits)
      kit.kill();
    await ctx.browser.stop();
    ctx.server.stop();
    rmSync(dir, {recursive: true, force: true});
  }
  return status;
}

// no timer or child of ours may keep the test running once it has its verdict
process.exit(await main());
