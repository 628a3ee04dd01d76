/**
 * Bytes either end of a tunnel (main, or the plugin host's egress proxy) may have sent and not yet
 * had acknowledged; past it, the end stops reading its socket until acknowledgements come back, so
 * neither buffers more than this per tunnel whatever the speed of the other side.
 */
export const TUNNEL_WINDOW = 1024 * 1024;
