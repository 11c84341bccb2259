/** The package entry: what a webhook receiver imports (`import { verifyRosterSignature } from 'roster'`). */
export { SIGNATURE_HEADER, type VerifyOptions, verifyRosterSignature } from './webhooks/signature.js';
