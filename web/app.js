// The page: sign-in, the call form, ringing, the call and its end.
// State lives here; the protocol in signalling.js, the media in call.js.

import {Call} from './call.js';
import {HttpError, Signalling, refreshToken, signIn} from './signalling.js';
import {strings} from './strings.js';

const SESSION_KEY = 'duet.session';     // sessionStorage: this tab only
const DEVICE_KEY = 'duet.device-id';    // localStorage: not a secret
const REFRESH_MIN_MS = 10000;
const REFRESH_RETRY_MS = 60000;

const $ = (id) => document.getElementById(id);

const app = {
  session: null,        // {token, user, service, expiresAt}
  signalling: null,
  iceServers: [],
  call: null,
  refreshTimer: 0,
  notification: null,
  deviceId: null,       // hello's: this browser's device at the server
};

// ---- text and views ----

function fillText() {
  for (const element of document.querySelectorAll('[data-text]'))
    element.textContent = strings[element.dataset.text];
  document.title = strings.appName;
}

function show(view) {
  for (const id of ['sign-in', 'home', 'incoming', 'call', 'ended'])
    $(id).hidden = id !== view;
  const focus = {'sign-in': 'user', home: 'peer', incoming: 'accept', ended: 'dismiss'}[view];
  if (focus)
    $(focus).focus();
}

function showError(id, text) {
  $(id).textContent = text || '';
  $(id).hidden = !text;
}

function initial(name) {
  return (name || '?').slice(0, 1).toUpperCase();
}

function setStatus(status) {
  $('status').textContent = strings[status] || '';
  $('status').dataset.state = status;
}

// ---- signing in ----

function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

function deviceName() {
  const agent = navigator.userAgent;
  const browser = /Firefox\//.test(agent) ? 'Firefox' : /Edg\//.test(agent) ? 'Edge'
    : /Chrom(e|ium)\//.test(agent) ? 'Chromium' : /Safari\//.test(agent) ? 'Safari' : 'a browser';
  return `Duet web in ${browser}`;
}

function authErrorText(error) {
  if (!(error instanceof HttpError))
    return strings.errors.generic(error.message);
  if (error.code === 'rate_limited')
    return strings.errors.rate_limited(error.retryAfter || 60);
  return strings.errors[error.code] || (error.status === 0 ? strings.errors.network : error.message);
}

function keepSession(reply) {
  app.session = {token: reply.token, user: reply.user, service: reply.service,
                 expiresAt: Date.now() + reply.expires_in * 1000};
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(app.session));
  scheduleRefresh();
}

// Halfway through the token's life, as the desktop app does
function scheduleRefresh() {
  clearTimeout(app.refreshTimer);
  const left = app.session.expiresAt - Date.now();
  app.refreshTimer = setTimeout(refresh, Math.max(left / 2, Math.min(REFRESH_MIN_MS, left)));
}

async function refresh() {
  try {
    keepSession(await refreshToken(app.session.token));
  } catch (error) {
    if (error.status === 401)
      signOut(strings.errors.session);
    else
      app.refreshTimer = setTimeout(refresh, REFRESH_RETRY_MS);
  }
}

async function onSignIn(event) {
  event.preventDefault();
  const button = $('sign-in-button');
  showError('sign-in-error', null);
  button.disabled = true;
  button.textContent = strings.signingIn;
  // asked while the user acts, so that a hidden tab can ring later
  if ('Notification' in window && Notification.permission === 'default')
    Notification.requestPermission().catch(() => {});
  try {
    keepSession(await signIn($('user').value.trim(), $('password').value, deviceId(), deviceName()));
    $('password').value = '';
    startSignalling();
  } catch (error) {
    showError('sign-in-error', authErrorText(error));
  } finally {
    button.disabled = false;
    button.textContent = strings.signInButton;
  }
}

// By the user (@message NULL): the device is signed out at the server too,
// so its token stops working; otherwise the server already ended it
function signOut(message) {
  clearTimeout(app.refreshTimer);
  if (app.call && !app.call.ended)
    app.call.hangUp();
  if (app.signalling && message === null && app.deviceId) {
    const signalling = app.signalling;
    signalling.request({type: 'sign_out_device', device_id: app.deviceId})
      .catch(() => {}).finally(() => signalling.stop());
  } else if (app.signalling) {
    app.signalling.stop();
  }
  app.signalling = null;
  app.session = null;
  sessionStorage.removeItem(SESSION_KEY);
  $('account').hidden = true;
  showError('sign-in-error', message);
  show('sign-in');
}

// ---- the server ----

function startSignalling() {
  const signalling = new Signalling(() => app.session.token);
  app.signalling = signalling;
  $('who').textContent = strings.signedInAs(app.session.user);
  $('account').hidden = false;
  signalling.addEventListener('status', (e) => setStatus(e.detail));
  signalling.addEventListener('fatal', (e) => {
    if (app.signalling === signalling)   // not after our own sign-out
      signOut(e.detail === 'replaced' ? strings.errors.replaced : strings.errors.session);
  });
  signalling.addEventListener('hello', (e) => onHello(e.detail));
  signalling.addEventListener('ice_servers', (e) => { app.iceServers = e.detail.ice_servers || []; });
  signalling.addEventListener('incoming_call', (e) => onIncomingCall(e.detail));
  signalling.addEventListener('missed_call', (e) => addNotice(strings.missedCall(e.detail.caller_user)));
  for (const type of ['verified', 'signal', 'connected', 'peer_media_state', 'disconnected'])
    signalling.addEventListener(type, (e) => {
      if (app.call && e.detail.call_id === app.call.id)
        app.call.handleEvent(e.detail);
    });
  signalling.start();
  if (!app.call || app.call.ended)
    show('home');
}

// A reloaded page has lost the media of any call it was in
function onHello(hello) {
  app.iceServers = hello.ice_servers || [];
  app.deviceId = hello.device_id || null;
  for (const call of hello.calls || []) {
    if (app.call && call.call_id === app.call.id)
      continue;
    if (call.state === 'connected' || call.role === 'caller' || call.state === 'ringing')
      app.signalling.request({type: 'end_call', call_id: call.call_id}).catch(() => {});
  }
}

function addNotice(text) {
  const item = document.createElement('li');
  item.textContent = text;
  $('notices').prepend(item);
}

// ---- calls ----

function busy() {
  return app.call !== null && !app.call.ended;
}

async function getMedia(video) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
    throw new Error(strings.errors.noMedia);
  try {
    return await navigator.mediaDevices.getUserMedia({audio: true, video: video ? {width: 640, height: 480} : false});
  } catch (error) {
    throw new Error(strings.errors.media(error.message || error.name));
  }
}

function newCall(options) {
  const call = new Call({signalling: app.signalling, iceServers: app.iceServers, ...options});
  app.call = call;
  call.addEventListener('state', () => renderCall());
  call.addEventListener('peer-media', () => renderCall());
  call.addEventListener('network', () => renderCall());
  call.addEventListener('stream', (e) => {
    $('remote-video').srcObject = e.detail;
    $('remote-video').play().catch(() => {});
  });
  call.addEventListener('ended', (e) => onEnded(e.detail));
  exposeForTests();
  return call;
}

async function onPlaceCall(event) {
  event.preventDefault();
  const mediaType = event.submitter ? event.submitter.value : 'audiovideo';
  const peer = $('peer').value.trim();
  showError('home-error', null);
  if (busy())
    return;
  const call = newCall({role: 'caller', peer, mediaType});
  try {
    const stream = await getMedia(call.hasVideo);
    call.setLocalStream(stream);
    showLocal(stream);
    show('call');
    renderCall();
    await call.place(peer);
  } catch (error) {
    call.finish('START_FAILED', 'CALLER', false);
    app.call = null;
    const text = error.startFailReason ? strings.errors.startFailed(error.startFailReason, error.message)
      : error.message;
    showError('home-error', text);
    show('home');
  }
}

async function onIncomingCall(event) {
  if (busy())
    return;   // the server ends a second call itself (ALREADY_GOT_A_CALL)
  const call = newCall({role: 'callee', peer: event.caller_user, mediaType: event.media_type, id: event.call_id});
  try {
    await call.verify(event.cc_param);
  } catch (error) {
    call.finish('DECLINE', 'CALLEE', false);
    app.call = null;
    return;
  }
  $('incoming-title').textContent = strings.incomingTitle(call.peer);
  $('incoming-kind').textContent = strings.incomingKind(call.hasVideo);
  $('incoming-avatar').textContent = initial(call.peer);
  show('incoming');
  notifyIncoming(call);
}

function notifyIncoming(call) {
  if (!document.hidden || !('Notification' in window) || Notification.permission !== 'granted')
    return;
  const notification = new Notification(strings.notificationTitle, {
    body: strings.notificationBody(call.peer, call.hasVideo), tag: call.id, requireInteraction: true,
  });
  notification.onclick = () => {
    window.focus();
    notification.close();
  };
  app.notification = notification;
}

function closeNotification() {
  if (app.notification)
    app.notification.close();
  app.notification = null;
}

async function onAccept() {
  const call = app.call;
  if (!call || call.state !== 'ringing')
    return;
  closeNotification();
  $('accept').disabled = true;
  try {
    const stream = await getMedia(call.hasVideo);
    if (call.ended)
      return;
    call.setLocalStream(stream);
    showLocal(stream);
    show('call');
    renderCall();
    await call.accept();
  } catch (error) {
    showError('home-error', error.message);
    call.hangUp();
  } finally {
    $('accept').disabled = false;
  }
}

function onDecline() {
  closeNotification();
  if (app.call)
    app.call.hangUp();
}

function showLocal(stream) {
  $('local-video').srcObject = stream.getVideoTracks().length ? stream : null;
}

function renderCall() {
  const call = app.call;
  if (!call || call.ended)
    return;
  const peer = call.peer;
  $('call-title').textContent = call.state === 'connected' ? strings.inCallWith(peer) : peer;
  $('call-status').textContent = {
    waiting: strings.calling(peer), ringing: call.role === 'caller' ? strings.ringing(peer) : strings.settingUp,
    connected: call.lostSince ? strings.reconnecting : '',
  }[call.state] || '';
  $('call-avatar').textContent = initial(peer);

  $('mute').textContent = call.micMuted ? strings.unmuteButton : strings.muteButton;
  $('mute').setAttribute('aria-pressed', String(call.micMuted));
  $('camera').hidden = !call.hasVideo;
  $('camera').textContent = call.videoState === 'paused' ? strings.resumeVideoButton : strings.pauseVideoButton;
  $('camera').setAttribute('aria-pressed', String(call.videoState === 'paused'));
  $('hang-up').textContent = call.state === 'connected' ? strings.hangUpButton : strings.cancelButton;
  document.querySelector('.self').hidden = !call.hasVideo || call.videoState !== 'enabled';

  const peerVideo = call.state === 'connected' && call.peerMedia.videoState === 'enabled';
  $('remote-video').classList.toggle('off', !peerVideo);
  $('remote-placeholder').hidden = peerVideo;
  const flags = [];
  if (call.state === 'connected') {
    if (call.peerMedia.micMuted)
      flags.push(['muted', strings.peerMuted(peer)]);
    if (call.peerMedia.videoState === 'paused')
      flags.push(['paused', strings.peerVideoPaused(peer)]);
    else if (call.peerMedia.videoState === 'disabled')
      flags.push(['no-video', strings.peerVideoOff(peer)]);
    if (call.micMuted)
      flags.push(['self-muted', strings.myMuted]);
  }
  $('peer-flags').replaceChildren(...flags.map(([kind, text]) => {
    const item = document.createElement('li');
    item.dataset.flag = kind;
    item.textContent = text;
    return item;
  }));
}

function onEnded(detail) {
  closeNotification();
  $('remote-video').srcObject = null;
  $('local-video').srcObject = null;
  if (detail.reason === 'START_FAILED')
    return;
  const text = strings.reasons[detail.reason] || detail.reason;
  $('ended-reason').textContent = strings.endedReason(text, detail.reason, detail.source);
  $('ended-reason').dataset.reason = detail.reason;
  $('ended-reason').dataset.source = detail.source;
  $('ended-duration').textContent = detail.duration ? strings.duration(detail.duration) : '';
  show('ended');
}

// ---- tests ----

// The browser test (tests/web) reads the peer connection's stats; only a
// page told so before it loaded (sessionStorage 'duet.debug') shows it.
function exposeForTests() {
  if (sessionStorage.getItem('duet.debug') !== '1')
    return;
  window.duetDebug = {
    get call() { return app.call; },
    get pc() { return app.call && app.call.media ? app.call.media.pc : null; },
  };
}

// ---- start ----

function init() {
  fillText();
  $('sign-in-form').addEventListener('submit', onSignIn);
  $('sign-out').addEventListener('click', () => signOut(null));
  $('call-form').addEventListener('submit', onPlaceCall);
  $('accept').addEventListener('click', onAccept);
  $('decline').addEventListener('click', onDecline);
  $('hang-up').addEventListener('click', () => app.call && app.call.hangUp());
  $('mute').addEventListener('click', () => {
    app.call.setMuted(!app.call.micMuted);
    renderCall();
  });
  $('camera').addEventListener('click', () => {
    app.call.setVideoPaused(app.call.videoState !== 'paused');
    renderCall();
  });
  $('dismiss').addEventListener('click', () => {
    app.call = null;
    show(app.session ? 'home' : 'sign-in');
  });
  window.addEventListener('beforeunload', () => {
    if (busy())
      app.call.hangUp();
  });
  exposeForTests();

  const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  if (saved && saved.expiresAt > Date.now() + REFRESH_MIN_MS) {
    app.session = saved;
    scheduleRefresh();
    startSignalling();
  } else {
    show('sign-in');
  }
}

init();
