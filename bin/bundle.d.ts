// Types of bin/bundle.js for the TypeScript that imports it (tests).
export const ROOT: string
export const BUNDLE: string
export const STAMP: string
export function freshBundle (root?: string, why?: string[]): string | undefined
