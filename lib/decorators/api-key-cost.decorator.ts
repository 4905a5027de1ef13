import { SetMetadata } from '@nestjs/common';
import { API_KEY_COST_KEY } from '../api-keys.constants.js';

/**
 * Credits a call to this route consumes (default 1; 0 allowed).
 *
 * @example
 * @ApiKeyCost(5)
 */
export const ApiKeyCost = (cost: number): MethodDecorator & ClassDecorator => {
  if (!Number.isSafeInteger(cost) || cost < 0) throw new Error(`@ApiKeyCost: cost must be an integer ≥ 0 (got ${cost}).`);
  return SetMetadata(API_KEY_COST_KEY, cost);
};
