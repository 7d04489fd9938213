import { createRequire as __pcCreateRequire } from 'node:module'; const require = __pcCreateRequire(import.meta.url);
import{exec,getExecOutput}from"./chunk-CKZOJBUR.js";import"./chunk-6ILAPVQB.js";export{exec,getExecOutput};
