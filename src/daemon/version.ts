/** The keepalived release whose behaviour, config language and wire format we follow. */
export const KEEPALIVED_COMPAT_VERSION = '2.2.7';
export const VERSION = '0.1.0';
export const VERSION_BANNER = `keepalived-ts v${VERSION} (compatible with Keepalived v${KEEPALIVED_COMPAT_VERSION})`;
