/**
 * Node agents that honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY (Node's `proxyEnv`), for SDKs that
 * take an agent but read no proxy variables themselves (the AWS SDK).
 */
import * as http from 'node:http';
import * as https from 'node:https';

export function proxyAgents(env: NodeJS.ProcessEnv): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  return {
    httpAgent: new http.Agent({ keepAlive: true, proxyEnv: env }),
    httpsAgent: new https.Agent({ keepAlive: true, proxyEnv: env }),
  };
}
