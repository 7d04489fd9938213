import { createRequire as __pcCreateRequire } from 'node:module'; const require = __pcCreateRequire(import.meta.url);
import{__commonJS,__require}from"./chunk-6ILAPVQB.js";var require_node_http=__commonJS({"builtin-require:node:http"(exports,module){module.exports=__require("node:http")}});export{require_node_http};
