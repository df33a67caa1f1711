/** Every date a person sees is a date in Yantai: Asia/Shanghai, whatever the server's zone. */
export const TIME_ZONE = 'Asia/Shanghai';

/** The calendar date of `instant` in Asia/Shanghai, as YYYY-MM-DD. */
export function shanghaiDate(instant: Date = new Date()): string {
  const format = { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' } as const;
  return new Intl.DateTimeFormat('en-CA', format).format(instant);
}

/** The year of `instant` in Asia/Shanghai. */
export function shanghaiYear(instant: Date = new Date()): number {
  return Number(shanghaiDate(instant).slice(0, 4));
}
