import { createRequire as __pcCreateRequire } from 'node:module'; const require = __pcCreateRequire(import.meta.url);
import{require_src}from"./chunk-7VHRCZ3E.js";import"./chunk-RTK63KHM.js";import{__toESM}from"./chunk-6ILAPVQB.js";var import_google_auth_library=__toESM(require_src(),1);var export_GoogleAuth=import_google_auth_library.GoogleAuth;export{export_GoogleAuth as GoogleAuth};
