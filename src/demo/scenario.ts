/**
 * The demo's lab plan: addresses, the generated keepalived.conf and the theoretical bounds
 * the measurements are compared with. Plain values only (no I/O), so the text is easy to read
 * next to docs/demo.md.
 */

/** Second octet of the lab subnet 10.N.0.0/24. */
export const NET = 199;
export const SUBNET = `10.${NET}.0`;
/** Host order fixes the addresses: lb1 .1, lb2 .2, rs1 .3, rs2 .4, rs3 .5, client .6. */
export const HOSTS = ['lb1', 'lb2', 'rs1', 'rs2', 'rs3', 'client'] as const;
export const LBS = ['lb1', 'lb2'] as const;
export const REAL_SERVERS = ['rs1', 'rs2', 'rs3'] as const;
export type LbName = (typeof LBS)[number];
export type RsName = (typeof REAL_SERVERS)[number];

export const ipOf = (host: string): string => `${SUBNET}.${HOSTS.indexOf(host as (typeof HOSTS)[number]) + 1}`;

/** The service VIP the client talks to. */
export const VIP = `${SUBNET}.100`;
/** The gateway VIP the real servers route NAT replies through (same VRRP instance). */
export const GW_VIP = `${SUBNET}.254`;
export const VRID = 51;
export const INSTANCE = 'VI_DEMO';
export const PRIORITY: Readonly<Record<LbName, number>> = { lb1: 150, lb2: 100 };
export const ADVERT_INT_S = 1;

/** Checker timings (seconds). */
export const DELAY_LOOP_S = 1;
export const CONNECT_TIMEOUT_S = 1;
export const RETRY = 1;
export const DELAY_BEFORE_RETRY_S = 1;

/** The client: one request every CLIENT_INTERVAL_MS, each given up after CLIENT_TIMEOUT_MS. */
export const CLIENT_INTERVAL_MS = 50;
export const CLIENT_TIMEOUT_MS = 400;

/** RFC 3768/5798 Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time. */
export function masterDownIntervalMs(priority: number, advertIntS = ADVERT_INT_S): number {
  return 3 * advertIntS * 1000 + ((256 - priority) / 256) * advertIntS * 1000;
}

export const BOUNDS = {
  /** kill -9 + cable pulled → the backup (priority 100) becomes MASTER. */
  takeoverMs: masterDownIntervalMs(PRIORITY.lb2),
  /** A restarted lb1 (priority 150, preempt) takes over after its own down timer. */
  preemptMs: masterDownIntervalMs(PRIORITY.lb1),
  /** connect_timeout + retry × delay_before_retry + delay_loop. */
  removalMs: (CONNECT_TIMEOUT_S + RETRY * DELAY_BEFORE_RETRY_S + DELAY_LOOP_S) * 1000,
  /** delay_loop + connect_timeout: the next check after the server is back succeeds. */
  restoreMs: (DELAY_LOOP_S + CONNECT_TIMEOUT_S) * 1000,
};

/** The keepalived.conf each load balancer runs (only router_id and priority differ). */
export function keepalivedConf(lb: LbName): string {
  const rs = REAL_SERVERS.map(
    (name) => `    real_server ${ipOf(name)} 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout ${CONNECT_TIMEOUT_S}
            retry ${RETRY}
            delay_before_retry ${DELAY_BEFORE_RETRY_S}
        }
    }`,
  ).join('\n');
  return `# keepalived-ts demo: ${lb} (generated)
global_defs {
    router_id demo_${lb}
    vrrp_garp_master_delay 1
}

vrrp_instance ${INSTANCE} {
    state BACKUP
    interface eth0
    virtual_router_id ${VRID}
    priority ${PRIORITY[lb]}
    advert_int ${ADVERT_INT_S}
    authentication {
        auth_type PASS
        auth_pass katsdemo
    }
    virtual_ipaddress {
        ${VIP}/24       # the service
        ${GW_VIP}/24       # the real servers' gateway: NAT replies go back via the MASTER
    }
}

virtual_server ${VIP} 80 {
    delay_loop ${DELAY_LOOP_S}
    lb_algo rr
    lb_kind NAT
    protocol TCP
${rs}
}
`;
}

/** An HTTP server answering its name; `stop`/`start` on stdin close/reopen the listener. */
export const SERVER_JS = `
const http=require('http');const name=process.argv[1];let srv;
const start=()=>{srv=http.createServer((q,s)=>{s.setHeader('connection','close');s.end(name)});srv.listen(80,()=>console.log('listening'))};
const stop=()=>{srv.close();srv.closeAllConnections();console.log('stopped')};
require('readline').createInterface({input:process.stdin}).on('line',(l)=>{l==='stop'?stop():start()});
start();`;

/** One request every interval; a JSON line per answer: {t: Date.now() at send, d: ms, r: body or error}. */
export const CLIENT_JS = `
const http=require('http');const vip=process.argv[1];
setInterval(()=>{const t=Date.now();let done=false;const out=(r)=>{if(done)return;done=true;process.stdout.write(JSON.stringify({t,d:Date.now()-t,r})+'\\n')};
const q=http.get({host:vip,port:80,agent:false,timeout:${CLIENT_TIMEOUT_MS}},(m)=>{let b='';m.on('data',(x)=>b+=x);m.on('end',()=>out(b));m.on('error',()=>out('error:reset'))});
q.on('error',(e)=>out('error:'+(e.code||e.message)));q.on('timeout',()=>{out('timeout');q.destroy()})},${CLIENT_INTERVAL_MS});`;

/** Forwards stdin/stdout to a TCP port inside a namespace (the dashboard proxy). */
export const PIPE_JS = `
const s=require('net').connect(Number(process.argv[2]),process.argv[1]);
process.stdin.pipe(s);s.pipe(process.stdout);s.on('error',()=>process.exit(0));s.on('close',()=>process.exit(0));`;
