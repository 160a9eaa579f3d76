// The grammar of `address` belongs to the config (which validates it); kept here for existing imports.
export { parseAddress } from '../config/address.js';
