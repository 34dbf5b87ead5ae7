// One call: the server's call state (docs/protocol.md) and the WebRTC
// media between the two parties, interoperating with the kit (src/kit):
//
// - the caller offers once the callee has verified (`verified`), while the
//   callee's device rings, so ICE and DTLS are done by the answer;
// - both directions of audio and video are always negotiated, video first,
//   and nothing is sent before `connected` (the senders have no track);
// - the caller opens a data channel labelled `control` with its offer;
//   each side sends {"type":"hb"} on it every second (the kit's dead-peer
//   check counts it), `media_state` with every change and `end` before
//   hanging up a connected call;
// - a network change or another answering device (`renegotiate`) gets a
//   fresh media session with the next `session` number, offered by the
//   caller; the old one goes on until the new one connects.

const HEARTBEAT_MS = 1000;
const END_FALLBACK_MS = 3000;      // the server's `disconnected` normally comes at once
const NEW_PATH_RETRY_MS = 4000;
const NETWORK_GRACE_MS = 20000;    // the kit's default network-grace-period

// Puts VP8 (and Opus) first: the kit speaks only those
function preferCodecs(transceiver, kind) {
  if (!transceiver.setCodecPreferences || !RTCRtpReceiver.getCapabilities)
    return;
  const caps = RTCRtpReceiver.getCapabilities(kind);
  if (!caps)
    return;
  const wanted = kind === 'video' ? 'video/vp8' : 'audio/opus';
  const codecs = [...caps.codecs].sort((a, b) =>
    (b.mimeType.toLowerCase() === wanted) - (a.mimeType.toLowerCase() === wanted));
  try {
    transceiver.setCodecPreferences(codecs);
  } catch (e) {
    // an old browser: its default order still has VP8
  }
}

// webrtcbin (the kit) announces an SSRC in its SDP that its RTP does not
// use, and sends no MID header extension: Chromium then decodes the video
// into no track. Without a=ssrc lines it matches streams by payload type.
function withoutSsrcLines(sdp) {
  if (sdp.includes('urn:ietf:params:rtp-hdrext:sdes:mid'))
    return sdp;
  return sdp.split('\r\n').filter((line) => !/^a=ssrc(-group)?:/.test(line)).join('\r\n');
}

class MediaSession {
  constructor(call, number, offerer) {
    this.call = call;
    this.number = number;
    this.offerer = offerer;
    this.pc = new RTCPeerConnection({iceServers: call.iceServers, bundlePolicy: 'max-bundle'});
    this.channel = null;
    this.heartbeat = 0;
    this.chain = Promise.resolve();   // signals are applied in order
    this.stream = new MediaStream();
    this.transceivers = {video: null, audio: null};

    this.pc.onicecandidate = (e) => {
      if (e.candidate && e.candidate.candidate)
        this.signal({type: 'candidate', candidate: e.candidate.candidate,
                     sdpMLineIndex: e.candidate.sdpMLineIndex, sdpMid: e.candidate.sdpMid});
    };
    this.pc.ontrack = (e) => {
      this.stream.addTrack(e.track);
      call.sessionChanged(this);
    };
    this.pc.onconnectionstatechange = () => call.pathChanged(this, this.pc.connectionState);
    this.pc.ondatachannel = (e) => {
      if (e.channel.label === 'control')
        this.setupChannel(e.channel);
    };
  }

  signal(payload) {
    const message = {type: 'signal', call_id: this.call.id, payload};
    if (this.number > 0)
      payload.session = this.number;
    this.call.signalling.request(message).catch((e) => console.warn('signal not sent:', e.message));
  }

  setupChannel(channel) {
    this.channel = channel;
    channel.onopen = () => {
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => this.send({type: 'hb'}), HEARTBEAT_MS);
      this.send({type: 'hb'});
      this.call.channelOpened(this);
    };
    channel.onmessage = (e) => {
      let message;
      try {
        message = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      this.call.controlMessage(this, message);
    };
    channel.onclose = () => clearInterval(this.heartbeat);
  }

  get channelOpen() {
    return this.channel !== null && this.channel.readyState === 'open';
  }

  send(message) {
    if (this.channelOpen)
      this.channel.send(JSON.stringify(message));
  }

  async offer() {
    this.setupChannel(this.pc.createDataChannel('control'));
    for (const kind of ['video', 'audio']) {
      this.transceivers[kind] = this.pc.addTransceiver(kind, {direction: 'sendrecv'});
      preferCodecs(this.transceivers[kind], kind);
    }
    this.applySending();
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    this.signal({type: 'offer', sdp: this.pc.localDescription.sdp});
  }

  async answer(sdp) {
    await this.pc.setRemoteDescription({type: 'offer', sdp: withoutSsrcLines(sdp)});
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind;
      if (this.transceivers[kind])
        continue;
      this.transceivers[kind] = transceiver;
      transceiver.direction = 'sendrecv';
      preferCodecs(transceiver, kind);
    }
    this.applySending();
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.signal({type: 'answer', sdp: this.pc.localDescription.sdp});
  }

  apply(payload) {
    this.chain = this.chain.then(() => {
      if (payload.type === 'offer')
        return this.answer(payload.sdp);
      if (payload.type === 'answer')
        return this.pc.setRemoteDescription({type: 'answer', sdp: withoutSsrcLines(payload.sdp)});
      if (!payload.candidate)
        return undefined;   // end of candidates
      return this.pc.addIceCandidate({candidate: payload.candidate, sdpMLineIndex: payload.sdpMLineIndex,
                                      sdpMid: payload.sdpMid});
    }).catch((e) => this.call.mediaError(this, payload.type, e));
  }

  // Nothing leaves before the call is connected; a paused camera sends
  // nothing. Resolves once the senders have their tracks.
  applySending() {
    const call = this.call;
    const live = call.state === 'connected';
    const tracks = {
      audio: live ? call.audioTrack : null,
      video: live && call.videoState === 'enabled' ? call.videoTrack : null,
    };
    const changes = [];
    for (const kind of ['audio', 'video']) {
      const transceiver = this.transceivers[kind];
      if (transceiver && transceiver.sender.track !== tracks[kind])
        changes.push(transceiver.sender.replaceTrack(tracks[kind]).catch((e) => console.warn('replaceTrack:', e)));
    }
    return Promise.all(changes);
  }

  close() {
    clearInterval(this.heartbeat);
    if (this.channel)
      this.channel.close();
    this.pc.close();
  }
}

// Events: 'state' (detail: state), 'peer-media' ({micMuted, videoState}),
// 'stream' (the peer's MediaStream), 'ended' ({reason, source, byRemote, userCode})
export class Call extends EventTarget {
  constructor({signalling, role, peer, mediaType, iceServers, id = null}) {
    super();
    this.signalling = signalling;
    this.role = role;                  // 'caller' or 'callee'
    this.peer = peer;
    this.mediaType = mediaType;        // 'audio', 'video', 'audiovideo'
    this.iceServers = iceServers || [];
    this.id = id;
    this.state = role === 'caller' ? 'waiting' : 'verifying';
    this.media = null;                 // the session in use
    this.pending = null;               // a fresh one being tried
    this.lastSession = 0;
    this.localStream = null;
    this.micMuted = false;
    this.videoState = this.hasVideo ? 'enabled' : 'disabled';
    this.peerMedia = {micMuted: false, videoState: this.hasVideo ? 'enabled' : 'disabled'};
    this.connectedAt = 0;
    this.endTimer = 0;
    this.lostSince = 0;
    this.retryTimer = 0;
    this.graceTimer = 0;
  }

  get hasVideo() {
    return this.mediaType !== 'audio';
  }

  get audioTrack() {
    return this.localStream ? this.localStream.getAudioTracks()[0] || null : null;
  }

  get videoTrack() {
    return this.localStream ? this.localStream.getVideoTracks()[0] || null : null;
  }

  get ended() {
    return this.state === 'ended';
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, {detail}));
  }

  setState(state) {
    this.state = state;
    this.emit('state', state);
  }

  setLocalStream(stream) {
    this.localStream = stream;
    if (this.audioTrack)
      this.audioTrack.enabled = !this.micMuted;
    for (const session of [this.media, this.pending])
      if (session)
        session.applySending();
  }

  // ---- server events (the app routes those with this call's id) ----

  handleEvent(event) {
    if (this.ended)
      return;
    switch (event.type) {
    case 'verified':
      if (this.role === 'caller' && this.state === 'waiting') {
        this.setState('ringing');
        this.startSession(0);
      }
      break;
    case 'signal':
      this.handleSignal(event.payload);
      break;
    case 'connected':
      this.handleConnected(event);
      break;
    case 'peer_media_state':
      // Both copies are applied: each path keeps its order, so the state
      // ends where the peer left it, and a data channel that is open on
      // our side only (the peer's end not up yet, or a path being
      // replaced) cannot leave a change unseen
      this.applyPeerMedia(event);
      break;
    case 'disconnected':
      this.finish(event.reason, event.source, event.by_remote, event.user_code);
      break;
    default:
      break;
    }
  }

  startSession(number) {
    const session = new MediaSession(this, number, this.role === 'caller');
    this.lastSession = Math.max(this.lastSession, number);
    if (this.media === null)
      this.media = session;
    else {
      if (this.pending)
        this.pending.close();
      this.pending = session;
    }
    if (session.offerer)
      session.offer().catch((e) => this.mediaError(session, 'offer', e));
    return session;
  }

  handleSignal(payload) {
    const number = payload.session || 0;
    let session = null;
    if (this.media && this.media.number === number)
      session = this.media;
    else if (this.pending && this.pending.number === number)
      session = this.pending;
    else if (payload.type === 'offer' && this.role === 'callee' && (this.media === null || number > this.lastSession))
      session = this.startSession(number);
    if (session)
      session.apply(payload);
  }

  handleConnected(event) {
    if (this.state === 'connected')
      return;
    console.info(`Call ${this.id}: connected`);
    this.connectedAt = Date.now();
    this.setState('connected');
    if (event.renegotiate && this.role === 'caller')
      this.startSession(this.lastSession + 1);   // the answer came from another device
    for (const session of [this.media, this.pending])
      if (session)
        session.applySending();
    this.sendMediaState(true, true);
  }

  // ---- the peer, over the data channel ----

  channelOpened(session) {
    if (session === this.media && this.state === 'connected')
      this.sendMediaState(true, true, true);
  }

  // From any of our sessions: while a path is replaced the peer may still
  // speak on the old one
  controlMessage(session, message) {
    if (this.ended)
      return;
    if (message.type === 'media_state')
      this.applyPeerMedia(message);
    else if (message.type === 'end')
      this.finish(message.reason || 'NORMAL', this.role === 'caller' ? 'CALLEE' : 'CALLER', true, message.user_code);
  }

  applyPeerMedia(state) {
    if (typeof state.mic_muted === 'boolean')
      this.peerMedia.micMuted = state.mic_muted;
    if (typeof state.video_state === 'string')
      this.peerMedia.videoState = state.video_state;
    this.emit('peer-media', {...this.peerMedia});
  }

  // A fresh stream each time: a video element may not pick up tracks
  // added to the stream it already plays
  sessionChanged(session) {
    if (session === this.media)
      this.emit('stream', new MediaStream(session.stream.getTracks()));
  }

  mediaError(session, what, error) {
    console.error(`Media session ${session.number}: ${what} failed:`, error);
    this.emit('media-error', {what, message: error.message || String(error)});
  }

  // ---- the path: a new session replaces the old once it connects ----

  pathChanged(session, state) {
    if (this.ended)
      return;
    console.info(`Call ${this.id}: media session ${session.number} ${state}`);
    if (state === 'connected') {
      if (session === this.pending) {
        console.info(`Call ${this.id}: media session ${session.number} replaces ${this.media.number}`);
        this.media.close();
        this.media = session;
        this.pending = null;
        this.sessionChanged(session);
        this.sendMediaState(true, true, true);
      }
      if (session === this.media)
        this.pathFound();
    } else if (session === this.media && (state === 'failed' || state === 'disconnected') &&
               this.state === 'connected') {
      this.pathLost();
    }
  }

  pathLost() {
    if (this.lostSince)
      return;
    console.info(`Call ${this.id}: media path ${this.media.number} lost`);
    this.lostSince = Date.now();
    this.emit('network', false);
    this.graceTimer = setTimeout(() => this.hangUp('NETWORK_UNSTABLE'), NETWORK_GRACE_MS);
    if (this.role === 'caller') {
      const retry = () => this.startSession(this.lastSession + 1);
      retry();
      this.retryTimer = setInterval(retry, NEW_PATH_RETRY_MS);
    }
  }

  pathFound() {
    clearTimeout(this.graceTimer);
    clearInterval(this.retryTimer);
    if (this.lostSince) {
      this.lostSince = 0;
      this.emit('network', true);
    }
  }

  // ---- my actions ----

  sendMediaState(mic, video, channelOnly = false) {
    if (this.state !== 'connected')
      return;   // the whole state goes out on connect
    const state = {};
    if (mic)
      state.mic_muted = this.micMuted;
    if (video) {
      state.video_state = this.videoState;
      if (this.videoState === 'paused')
        state.reason = 'BY_USER';
    }
    if (this.media)
      this.media.send({type: 'media_state', ...state});
    if (!channelOnly)
      this.signalling.request({type: 'media_state', call_id: this.id, ...state}).catch(() => {});
  }

  setMuted(muted) {
    this.micMuted = muted;
    if (this.audioTrack)
      this.audioTrack.enabled = !muted;
    this.sendMediaState(true, false);
  }

  setVideoPaused(paused) {
    if (!this.hasVideo)
      return;
    this.videoState = paused ? 'paused' : 'enabled';
    if (this.videoTrack)
      this.videoTrack.enabled = !paused;
    const applied = [this.media, this.pending].filter((session) => session).map((session) => session.applySending());
    // the peer hears of a pause once nothing more is on its way
    Promise.all(applied).then(() => this.sendMediaState(false, true));
  }

  async verify(ccParam) {
    const reply = await this.signalling.request({type: 'verify_call', cc_param: ccParam});
    this.id = reply.call_id;
    this.setState('ringing');
    return reply;
  }

  async place(peer) {
    const reply = await this.signalling.request({type: 'make_call', peer_user: peer, media_type: this.mediaType});
    this.id = reply.call_id;
    return reply;
  }

  accept() {
    return this.signalling.request({type: 'accept_call', call_id: this.id});
  }

  // Cancel, decline or hang up: the server names the reason from the state
  hangUp(reason) {
    if (this.ended || !this.id)
      return;
    if (this.state === 'connected' && !reason && this.media)
      this.media.send({type: 'end', reason: 'NORMAL'});
    const request = {type: 'end_call', call_id: this.id};
    if (reason)
      request.reason = reason;
    this.signalling.request(request).catch(() => {});
    // the server's `disconnected` names reason and source; without it, ours
    const fallback = reason || {connected: 'NORMAL', ringing: this.role === 'caller' ? 'CANCEL' : 'DECLINE'}[this.state] || 'CANCEL';
    this.endTimer = setTimeout(() => this.finish(fallback, this.role.toUpperCase(), false), END_FALLBACK_MS);
  }

  finish(reason, source, byRemote, userCode) {
    if (this.ended)
      return;
    clearTimeout(this.endTimer);
    clearTimeout(this.graceTimer);
    clearInterval(this.retryTimer);
    for (const session of [this.media, this.pending])
      if (session)
        session.close();
    if (this.localStream)
      for (const track of this.localStream.getTracks())
        track.stop();
    const duration = this.connectedAt ? Math.round((Date.now() - this.connectedAt) / 1000) : 0;
    this.setState('ended');
    this.emit('ended', {reason, source, byRemote, userCode, duration});
  }
}
