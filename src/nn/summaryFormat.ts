// Number formatting and ASCII tables exactly as Larq's summary prints them.
// Python formats the exact binary value of a double and breaks exact ties to
// even ('%.2f' % 0.125 == '0.12'); JavaScript's toFixed/toPrecision break them
// upwards, so they cannot be used. The helpers below work on the exact value
// (mantissa·2^exponent as BigInt) and round half to even.

/** x = mant · 2^exp exactly, for a finite x >= 0. */
function exactParts(x: number): { mant: bigint; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mant: frac, exp: -1074 };
  return { mant: frac | (1n << 52n), exp: biased - 1075 };
}

/** round_half_even(x · 10^s) for finite x >= 0, exactly. */
function scaledInteger(x: number, s: number): bigint {
  const { mant, exp } = exactParts(x);
  let num = mant;
  let den = 1n;
  if (s >= 0) num *= 10n ** BigInt(s);
  else den *= 10n ** BigInt(-s);
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  const q = num / den;
  const r2 = 2n * (num % den);
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

function placePoint(digits: bigint, decimals: number): string {
  let s = digits.toString();
  if (decimals === 0) return s;
  if (s.length <= decimals) s = '0'.repeat(decimals - s.length + 1) + s;
  return `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
}

function checkFinite(x: number): void {
  if (!Number.isFinite(x)) throw new Error(`summary formatting: ${x} is not finite`);
}

/** Python's '%.{d}f'. */
export function pyFixed(x: number, decimals: number): string {
  checkFinite(x);
  const neg = x < 0 || Object.is(x, -0);
  return (neg ? '-' : '') + placePoint(scaledInteger(Math.abs(x), decimals), decimals);
}

/** Python's '{:,.{d}f}' (thousands separators in the integer part). */
export function pyFixedGrouped(x: number, decimals: number): string {
  const s = pyFixed(x, decimals);
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const dot = body.indexOf('.');
  const int = dot < 0 ? body : body.slice(0, dot);
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + grouped + (dot < 0 ? '' : body.slice(dot));
}

/** The p significant digits of |x| rounded half-even, and the decimal exponent of the result. */
function significant(x: number, p: number): { digits: bigint; exp10: number } {
  let e = Math.floor(Math.log10(x));
  for (;;) {
    const digits = scaledInteger(x, p - 1 - e);
    if (digits >= 10n ** BigInt(p)) e++;
    else if (digits < 10n ** BigInt(p - 1)) e--;
    else return { digits, exp10: e };
  }
}

function exponentPart(e: number, upper: boolean): string {
  return `${upper ? 'E' : 'e'}${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** Python's '%.{p}g' (trailing zeros removed, as without the '#' flag). */
export function pyGeneral(x: number, p: number): string {
  checkFinite(x);
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const { digits, exp10 } = significant(Math.abs(x), p);
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp10 >= -4 && exp10 < p) return sign + strip(placePoint(digits, p - 1 - exp10));
  return sign + strip(placePoint(digits, p - 1)) + exponentPart(exp10, false);
}

/** Python's '%.{d}E'. */
export function pyExponent(x: number, decimals: number): string {
  checkFinite(x);
  if (x === 0) return `${placePoint(0n, decimals)}E+00`;
  const sign = x < 0 ? '-' : '';
  const { digits, exp10 } = significant(Math.abs(x), decimals + 1);
  return sign + placePoint(digits, decimals) + exponentPart(exp10, true);
}

/** Larq's _number_as_readable_str: 3 significant digits and k / M / B / T. */
export function readableNumber(n: number): string {
  let v = Number(pyGeneral(n, 3));
  if (v < 1000) return String(v);
  if (v >= 1e15) return pyExponent(v, 2);
  let magnitude = 0;
  while (Math.abs(v) >= 1000 && magnitude < 4) {
    magnitude++;
    v /= 1000;
  }
  return pyGeneral(v, 3) + ['', ' k', ' M', ' B', ' T'][magnitude];
}

/** Larq's memory_as_readable_str: bytes in B / KiB / MiB / GiB, unit chosen before rounding. */
export function readableMemory(bits: number): string {
  const bytes = bits / 8;
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = units[units.length - 1];
  for (let i = 0; i < units.length; i++) {
    value = bytes / 1024 ** i;
    unit = units[i];
    if (value < 1024) break;
  }
  return `${pyFixedGrouped(value, 2)} ${unit}`;
}

export interface TableSpec {
  title: string;
  /** Rows of cells; a cell may hold several lines separated by \n. */
  rows: string[][];
  /** Right-justify every column but the first (Larq's layer table); otherwise all left. */
  rightAlign: boolean;
  /** Horizontal rules after these row indices (0 = after the first row). */
  rulesAfter: number[];
}

/** terminaltables' AsciiTable as Larq configures it: no inner column borders, one space of padding. */
export function asciiTable(spec: TableSpec): string {
  const rows = spec.rows.map((r) => r.map((c) => c.split('\n')));
  const ncol = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: ncol }, (_, j) => Math.max(0, ...rows.map((r) => Math.max(0, ...(r[j] ?? ['']).map((l) => l.length)))));
  const inner = widths.reduce((a, w) => a + w + 2, 0);
  const rule = `+${'-'.repeat(inner)}+`;
  const out: string[] = [spec.title.length <= inner ? `+${spec.title}${'-'.repeat(inner - spec.title.length)}+` : rule];
  rows.forEach((r, i) => {
    const height = Math.max(...r.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      const cells = widths.map((w, j) => {
        const line = r[j]?.[k] ?? '';
        return ` ${spec.rightAlign && j > 0 ? line.padStart(w) : line.padEnd(w)} `;
      });
      out.push(`|${cells.join('')}|`);
    }
    if (spec.rulesAfter.includes(i)) out.push(rule);
  });
  out.push(rule);
  return out.join('\n');
}
