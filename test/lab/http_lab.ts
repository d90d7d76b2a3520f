/**
 * Pieces shared by the load-balancer namespace tests (lb_e2e, checker_reload): a tiny HTTP
 * real server, a client and a load generator (node -e scripts run in lab hosts), and an
 * async exec.
 */
import { execFile } from 'node:child_process';
import { SERVER_JS } from '../../src/demo/scenario.js';

/** A real server for lab host `name`: the demo's HTTP server answering its name (stdin `stop`/`start`). */
export const httpServerArgv = (name: string): string[] => ['node', '-e', SERVER_JS, name];

/** `n` sequential requests, one TCP connection each; prints the count per answer. */
export const CLIENT = (vip: string, n: number) => `
const http=require('http');const counts={};
(async()=>{for(let i=0;i<${n};i++){const body=await new Promise((res)=>{const r=http.get({host:'${vip}',port:80,agent:false,timeout:1500},(m)=>{let b='';m.on('data',(d)=>b+=d);m.on('end',()=>res(b))});r.on('error',(e)=>res('error:'+e.code));r.on('timeout',()=>{r.destroy();res('timeout')})});counts[body]=(counts[body]||0)+1;}
console.log(JSON.stringify(counts));})();`;

/** Requests back to back until killed; one JSON line {t: Date.now() at the start, r: answer}. */
export const LOAD = (vip: string) => `
const http=require('http');
(async()=>{for(;;){const t=Date.now();const r=await new Promise((res)=>{const q=http.get({host:'${vip}',port:80,agent:false,timeout:1000},(m)=>{let b='';m.on('data',(d)=>b+=d);m.on('end',()=>res(b))});q.on('error',(e)=>res('error:'+e.code));q.on('timeout',()=>{q.destroy();res('timeout')})});console.log(JSON.stringify({t,r}));await new Promise((x)=>setTimeout(x,5));}})();`;

export function execAsync(argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    execFile(cmd ?? 'false', args, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

