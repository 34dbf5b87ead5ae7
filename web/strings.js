// Every string the web client shows, in one place (for wording and, later,
// translation). Functions take what the sentence needs.

export const strings = {
  appName: 'Duet',
  tagline: 'Video calls, one to one',

  signInTitle: 'Sign in',
  userLabel: 'User ID',
  passwordLabel: 'Password',
  signInButton: 'Sign in',
  signingIn: 'Signing in…',
  signOutButton: 'Sign out',
  signedInAs: (user) => `Signed in as ${user}`,

  connecting: 'Connecting to the server…',
  connected: 'Ready for calls',
  reconnecting: 'Connection lost; reconnecting…',

  callTitle: 'Place a call',
  peerLabel: 'Call user ID',
  audioCallButton: 'Audio call',
  videoCallButton: 'Video call',

  calling: (peer) => `Calling ${peer}…`,
  ringing: (peer) => `${peer} is ringing…`,
  incomingTitle: (peer) => `${peer} is calling`,
  incomingKind: (video) => (video ? 'Video call' : 'Audio call'),
  acceptButton: 'Accept',
  declineButton: 'Decline',
  inCallWith: (peer) => `In a call with ${peer}`,
  settingUp: 'Connecting media…',

  muteButton: 'Mute',
  unmuteButton: 'Unmute',
  pauseVideoButton: 'Stop camera',
  resumeVideoButton: 'Start camera',
  hangUpButton: 'Hang up',
  cancelButton: 'Cancel',
  dismissButton: 'OK',

  missedCall: (peer) => `Missed call from ${peer}`,

  youLabel: 'You',
  peerMuted: (peer) => `${peer} is muted`,
  peerVideoPaused: (peer) => `${peer}'s camera is off`,
  peerVideoOff: (peer) => `${peer} has no video`,
  myMuted: 'Your microphone is muted',

  notificationTitle: 'Incoming call',
  notificationBody: (peer, video) => `${peer} is calling you (${video ? 'video' : 'audio'})`,

  endedTitle: 'Call ended',
  endedReason: (text, reason, source) => `${text} (${reason}, source ${source})`,
  duration: (seconds) => `Duration ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`,

  // PlanetKit disconnect reasons (docs/planetkit-codes.md); unknown ones show their name
  reasons: {
    NORMAL: 'The call ended normally',
    DECLINE: 'The call was declined',
    CANCEL: 'The call was cancelled',
    BUSY: 'The other person is busy',
    NOANSWER: 'No answer',
    ALREADY_GOT_A_CALL: 'The other person already has a call',
    NETWORK_UNSTABLE: 'The connection was lost',
    AUTH_ERROR: 'Signed out during the call',
    MULTIDEV_ANSWER: 'Answered on another device',
    MULTIDEV_DECLINE: 'Declined on another device',
    MULTIDEV_IN_USE: 'You are in a call on another device',
    SERVICE_MAINTENANCE: 'The server restarted',
    USER_ERROR: 'The call ended with an error',
    INTERNAL_KIT_ERROR: 'The call failed',
  },

  errors: {
    invalid_credentials: 'Wrong user ID or password.',
    rate_limited: (seconds) => `Too many attempts; try again in ${seconds} s.`,
    busy: 'The server is busy; try again in a moment.',
    network: 'Cannot reach the server.',
    session: 'Your session ended; please sign in again.',
    replaced: 'This account is now in use in another tab or window.',
    media: (what) => `Cannot use your camera or microphone: ${what}`,
    noMedia: 'This browser cannot make calls (no camera/microphone access; use https).',
    startFailed: (reason, message) => `Cannot place the call: ${message || reason}`,
    generic: (message) => `Something went wrong: ${message}`,
  },
};
