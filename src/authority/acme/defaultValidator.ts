import type { ChallengeValidator } from './challengeValidator.js';

/** The validator the server uses unless told otherwise. */
export const defaultChallengeValidator: ChallengeValidator = async () => {
  throw Object.assign(new Error('challenge validation is not available in this build'), { problemType: 'serverInternal' });
};
