// The server connection: sign-in over HTTP, then one WebSocket that
// carries requests (answered by id) and events (docs/protocol.md).

const PING_MS = 5000;          // the kit's keepalive pace
const SILENCE_MS = 12000;      // this long without a word: the socket is gone
const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 5000;
const REQUEST_TIMEOUT_MS = 10000;

// Close codes after which reconnecting cannot help
const CLOSE_FATAL = {4001: 'replaced', 4003: 'auth', 4004: 'signed_out'};

export class HttpError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.error) || 'network';
    this.retryAfter = body && body.retry_after;
  }
}

async function postJson(path, body, token) {
  const headers = {'Content-Type': 'application/json'};
  if (token)
    headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {method: 'POST', headers, body: body ? JSON.stringify(body) : undefined,
                                  credentials: 'omit', cache: 'no-store'});
  } catch (e) {
    throw new HttpError(0, null);
  }
  const json = await response.json().catch(() => null);
  if (!response.ok)
    throw new HttpError(response.status, json);
  return json;
}

export function signIn(user, password, deviceId, deviceName) {
  return postJson('/v1/token', {user, password, device_id: deviceId, device_name: deviceName});
}

export function refreshToken(token) {
  return postJson('/v1/token/refresh', null, token);
}

export class ServerError extends Error {
  constructor(reply) {
    super(reply.message || reply.code);
    this.code = reply.code;
    this.startFailReason = reply.start_fail_reason;
    this.retryAfter = reply.retry_after;
  }
}

// Events: 'status' (connecting|connected|reconnecting), 'fatal' (reason),
// and one per server event type ('hello', 'incoming_call', 'signal', …).
export class Signalling extends EventTarget {
  constructor(getToken) {
    super();
    this.getToken = getToken;
    this.socket = null;
    this.nextId = 1;
    this.pending = new Map();   // id → {resolve, reject, timer}
    this.backoff = BACKOFF_MIN_MS;
    this.stopped = false;
    this.authed = false;
    this.lastHeard = 0;
    this.pingTimer = 0;
    this.retryTimer = 0;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    if (this.socket)
      this.socket.close(1000);
    this.socket = null;
    this.failPending('stopped');
  }

  get isConnected() {
    return this.authed && this.socket && this.socket.readyState === WebSocket.OPEN;
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, {detail}));
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/v1/ws`);
    this.socket = socket;
    this.authed = false;
    this.emit('status', this.backoff > BACKOFF_MIN_MS ? 'reconnecting' : 'connecting');

    // Browsers cannot set headers on the upgrade: the token goes first
    socket.onopen = () => {
      this.lastHeard = Date.now();
      socket.send(JSON.stringify({type: 'auth', id: 'auth', token: this.getToken()}));
    };
    socket.onmessage = (e) => {
      if (socket === this.socket)
        this.receive(e.data);
    };
    socket.onclose = (e) => {
      if (socket === this.socket)
        this.closed(e.code);
    };
  }

  receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch (e) {
      return;
    }
    this.lastHeard = Date.now();
    if (message.type === 'reply' || message.type === 'error') {
      if (message.id === 'auth')
        return this.authReplied(message);
      const waiter = this.pending.get(message.id);
      if (!waiter)
        return;
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.type === 'reply')
        waiter.resolve(message);
      else
        waiter.reject(new ServerError(message));
      return;
    }
    if (message.type === 'session_replaced' || message.type === 'signed_out')
      this.fatal(message.type === 'signed_out' ? 'signed_out' : 'replaced');
    this.emit(message.type, message);
  }

  authReplied(message) {
    if (message.type === 'error') {
      this.fatal('auth');
      return;
    }
    this.authed = true;
    this.backoff = BACKOFF_MIN_MS;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.keepAlive(), PING_MS);
    this.emit('status', 'connected');
  }

  keepAlive() {
    if (Date.now() - this.lastHeard > SILENCE_MS) {
      this.socket.close(4000);   // not a protocol code: only ends our side
      this.closed(1006);
      return;
    }
    this.request({type: 'ping'}).catch(() => {});
  }

  closed(code) {
    clearInterval(this.pingTimer);
    this.socket = null;
    this.authed = false;
    this.failPending('disconnected');
    if (this.stopped)
      return;
    if (CLOSE_FATAL[code]) {
      this.fatal(CLOSE_FATAL[code]);
      return;
    }
    // Calls outlive the socket for the server's grace period: come back soon
    const delay = this.backoff * (0.75 + Math.random() / 2);
    this.backoff = Math.min(this.backoff * 2, BACKOFF_MAX_MS);
    this.emit('status', 'reconnecting');
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  fatal(reason) {
    if (this.stopped)
      return;
    this.stop();
    this.emit('fatal', reason);
  }

  failPending(why) {
    for (const waiter of this.pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new ServerError({code: why, message: why}));
    }
    this.pending.clear();
  }

  // Resolves with the reply, rejects with a ServerError
  request(message) {
    if (!this.isConnected)
      return Promise.reject(new ServerError({code: 'disconnected', message: 'Not connected'}));
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ServerError({code: 'timeout', message: 'No answer from the server'}));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, {resolve, reject, timer});
      this.socket.send(JSON.stringify({...message, id}));
    });
  }
}
