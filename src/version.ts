export const KAIC_VERSION = '0.1.0';
