/**
 * keepalived's console log format (-l): `Sun Nov 22 23:43:28 2026: message`
 * (lib/logger.c: strftime "%c" in the C locale, then ": ").
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** The timestamp prefix keepalived prints with -l, in local time. */
export function formatConsoleTimestamp(date: Date): string {
  const day = DAYS[date.getDay()] ?? '';
  const month = MONTHS[date.getMonth()] ?? '';
  const dd = String(date.getDate()).padStart(2, ' ');
  const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return `${day} ${month} ${dd} ${time} ${date.getFullYear()}`;
}

export function formatConsoleLine(date: Date, message: string): string {
  return `${formatConsoleTimestamp(date)}: ${message}`;
}
