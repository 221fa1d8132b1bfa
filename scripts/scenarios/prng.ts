/**
 * Seeded randomness for scenarios: the same seed gives the same day, byte for byte, on any
 * machine. mulberry32 is tiny, fast and good enough for traffic shapes (not for cryptography).
 */
export const mulberry32 = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

/**
 * Derives an independent seed from a seed and a path (stream tag, index). Each event draws from
 * its own generator, so an event's fields do not depend on the order events are materialised in.
 */
export const deriveSeed = (...parts: number[]): number => {
  let hash = 0x9e3779b9;
  for (const part of parts) {
    hash = Math.imul(hash ^ (part >>> 0), 0x85ebca6b);
    hash ^= hash >>> 13;
    hash = Math.imul(hash, 0xc2b2ae35);
    hash ^= hash >>> 16;
  }
  return hash >>> 0;
};

export class Prng {
  readonly #next: () => number;

  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#next();
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + this.#next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.#next() < probability;
  }

  /** An index drawn with probability proportional to its weight. */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let draw = this.#next() * total;
    for (let index = 0; index < weights.length; index++) {
      draw -= weights[index] ?? 0;
      if (draw < 0) return index;
    }
    return weights.length - 1;
  }

  uint32(): number {
    return Math.floor(this.#next() * 4_294_967_296) >>> 0;
  }

  /** Lower-case hex digits. */
  hex(digits: number): string {
    let out = '';
    while (out.length < digits) out += this.uint32().toString(16).padStart(8, '0');
    return out.slice(0, digits);
  }

  /** A version-4-shaped UUID built from the generator, so it is reproducible. */
  uuid(): string {
    const hex = this.hex(32).split('');
    hex[12] = '4';
    hex[16] = '89ab'[Number.parseInt(hex[16] ?? '0', 16) & 3] ?? '8';
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** Fisher-Yates, in place. */
  shuffle<T extends { length: number; [index: number]: number }>(items: T): T {
    for (let index = items.length - 1; index > 0; index--) {
      const other = Math.floor(this.#next() * (index + 1));
      const swap = items[index] as number;
      items[index] = items[other] as number;
      items[other] = swap;
    }
    return items;
  }
}
