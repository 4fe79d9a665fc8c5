// @ts-check
/**
 * What the server-side renderer (html.ts, compare.ts) and the page scripts both need, written once.
 * A plain module: Node imports it, and the page inliner (inline.ts) copies it into the page.
 */

/** Chart colours, in order of use. */
export const PALETTE = [
  '#2563eb',
  '#059669',
  '#d97706',
  '#7c3aed',
  '#db2777',
  '#0891b2',
  '#65a30d',
  '#dc2626',
  '#4b5563',
  '#9333ea',
];

/**
 * The close codes a browser can produce (RFC 6455), for the reader who does not know them by heart.
 * The codes of each wire protocol (chat-v1's 4400/4401/4403, Socket.IO's 4001) are labelled by its
 * codec in harness/protocol; html.ts merges both into CLOSE_CODES and embeds the result in the page
 * (#chatstorm-close-codes), which index.js reads.
 * @type {Record<string, string>}
 */
export const BROWSER_CLOSE_CODES = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1005: 'no status',
  1006: 'abnormal: no close frame (network)',
  1008: 'policy violation',
  1009: 'message too big',
  1011: 'server error',
  1012: 'service restart',
  1013: 'try again later',
};
