import { InvalidSlaInputError } from "./errors.ts";

/** Throws {@link InvalidSlaInputError} unless `value` is an integer in [min, max]. */
export function assertIntIn(field: string, value: number, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidSlaInputError(field, `${value} is not an integer in [${min}, ${max}]`);
  }
}

export const MAX_U16 = 0xffff;
export const MAX_U32 = 0xffff_ffff;
