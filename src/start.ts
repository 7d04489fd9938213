/**
 * The bundle's entry (dist/main.js): the compile cache first, then the action. Modules compile as
 * they load, so the action comes in by a dynamic import after the cache is on.
 */
import { startCompileCache } from './compile-cache.js';

startCompileCache();
await import('./main.js');
