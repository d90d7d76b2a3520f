import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configTestExitCode } from '../../../src/config/diagnostics.js';
import { LEXER_LIMITS, splitWords } from '../../../src/config/lexer.js';
import { expandBraces } from '../../../src/config/lexer_glob.js';
import { FixedRandom, MemoryFileSource, SeededRandom } from '../../fakes/memory_file_source.js';
import { lex, lexSource, ROOT } from './lexer_helpers.js';

// ---------------------------------------------------------------- splitWords

test('splitWords() splits on spaces, tabs and the other C blanks', () => {
  assert.deepEqual(splitWords(' a\tb\fc\vd\re  '), ['a', 'b', 'c', 'd', 'e']);
});

test('splitWords() keeps a double-quoted word whole and drops the quotes', () => {
  assert.deepEqual(splitWords('notify "/bin/echo hello world" x'), ['notify', '/bin/echo hello world', 'x']);
});

test('splitWords() ends an unquoted word at a quote, as alloc_strvec_r does', () => {
  assert.deepEqual(splitWords('a"b c"d'), ['a', 'b c', 'd']);
});

test('splitWords() gives an empty word for "" and keeps single quotes as text', () => {
  assert.deepEqual(splitWords(`"" 'a b'`), ['', "'a", "b'"]);
});

test('splitWords() keeps the words before an unterminated quote', () => {
  assert.deepEqual(splitWords('a b "c d'), ['a', 'b']);
});

// ---------------------------------------------------------------- comments and blanks

test('openConfig() drops # and ! comments outside double quotes', () => {
  const r = lex('a b # c\nd ! e\n"x # y" z\n! whole line\n# another\n');
  assert.deepEqual(r.words, ['a|b', 'd', 'x # y|z']);
  assert.deepEqual(r.diagnostics, []);
});

test('openConfig() turns \\# and \\! outside quotes into # and ! but leaves them alone inside quotes', () => {
  const r = lex('a \\#b \\!c "\\#"\n');
  assert.deepEqual(r.lines.map((l) => l.raw), ['a #b !c "\\#"']);
  assert.deepEqual(r.lines[0]?.words, ['a', '#b', '!c', '\\#']);
});

test('openConfig() skips blank lines but counts them for line numbers', () => {
  const r = lex('\n   \n\t\nfirst\n\n# c\nsecond\n');
  assert.deepEqual(
    r.lines.map((l) => [l.line, l.raw]),
    [
      [4, 'first'],
      [7, 'second'],
    ],
  );
});

test('openConfig() strips CR of CRLF line ends and trailing blanks', () => {
  const r = lex('a b  \r\nc\t\r\n');
  assert.deepEqual(r.lines.map((l) => l.raw), ['a b', 'c']);
});

test('openConfig() numbers a last line without a newline after the previous one', () => {
  const r = lex('a\nb');
  assert.deepEqual(r.lines.map((l) => l.line), [1, 2]);
});

test('openConfig() turns a comment line ending in a backslash into a line "\\" as keepalived does', () => {
  const r = lex('# foo \\\nx\n');
  assert.deepEqual(r.words, ['\\', 'x']);
});

test('openConfig() reports an odd number of quotes twice, like decomment() and alloc_strvec()', () => {
  const r = lex('a "b c\n');
  assert.deepEqual(r.words, ['a']);
  assert.deepEqual(r.messages, [`general_error: Unterminated quote 'a "b c'`, `unmatched_quote: Unmatched quote: 'a "b c'`]);
  assert.equal(r.diagnostics[1]?.code, 'unmatched_quote');
  assert.equal(r.diagnostics[1]?.line, 1);
});

// ---------------------------------------------------------------- braces

test('openConfig() cuts a line at its first brace so a brace always arrives alone', () => {
  const r = lex('vrrp_instance VI_1 { state MASTER\n}\n');
  assert.deepEqual(r.words, ['vrrp_instance|VI_1', '{', 'state|MASTER', '}']);
  assert.deepEqual(r.lines.map((l) => l.line), [1, 1, 1, 2]);
  assert.deepEqual(r.diagnostics, []);
});

test('openConfig() splits "}}" and "{}" into one line per brace', () => {
  const r = lex('a {}\nb { c { d }}\n');
  assert.deepEqual(r.words, ['a', '{', '}', 'b', '{', 'c', '{', 'd', '}', '}']);
  assert.equal(r.reader.blockDepth, 0);
});

test('openConfig() does not cut at a brace inside double quotes', () => {
  const r = lex('q "a{b" { c }\n');
  assert.deepEqual(r.words, ['q|a{b', '{', 'c', '}']);
});

test('openConfig() does not cut a line whose quote is unterminated', () => {
  const r = lex('"a { b\n');
  assert.deepEqual(r.lines.map((l) => l.raw), []);
  assert.equal(r.reader.blockDepth, 0);
});

test('openConfig() reports an extra closing brace as unexpected_eob', () => {
  const r = lex('a {\n}\n}\n');
  assert.deepEqual(r.messages, ["unexpected_eob: Extra '}' found"]);
  assert.equal(r.diagnostics[0]?.line, 3);
  assert.equal(r.diagnostics[0]?.code, 'extra_close_brace');
});

test('openConfig() reports unclosed blocks at the end as missing_eob', () => {
  const r = lex('a {\nb {\n');
  assert.deepEqual(r.messages, ["missing_eob: There are 2 missing '}'s or extra '{'s"]);
  assert.equal(configTestExitCode(r.diagnostics), 5);
});

test('openConfig() reads the text after a brace again as a new line (so @ID and $ work there)', () => {
  const r = lex('$X=val\nfoo { @lb1 kept $X } @other dropped\n');
  assert.deepEqual(r.words, ['foo', '{', 'kept|val', '}']);
});

// ---------------------------------------------------------------- @ID conditional lines

test('openConfig() keeps @ID lines for the config id and drops the others', () => {
  const r = lex('@lb1 mine\n@lb2 theirs\n@^lb1 not_mine\n@^lb2 not_theirs\n@lb1\n', { configId: 'lb1' });
  assert.deepEqual(r.words, ['mine', 'not_theirs']);
});

// ---------------------------------------------------------------- definitions

test('openConfig() expands ${N} inside a word but leaves $N/24 alone', () => {
  const r = lex('$N=5\nfoo$N\nbar $N/24\nbaz${N}/24\nqux $N\nlist $N,$N)\n');
  assert.deepEqual(r.words, ['foo5', 'bar|$N/24', 'baz5/24', 'qux|5', 'list|5,5)']);
});

test('openConfig() leaves an undefined $NAME as it is', () => {
  const r = lex('a $UNDEFINED ${ALSO}\n');
  // The braces of an undefined ${NAME} are cut like any other brace.
  assert.deepEqual(r.words, ['a|$UNDEFINED|$', '{', 'ALSO', '}']);
});

test('openConfig() substitutes at use time, recursively, with the latest value', () => {
  const r = lex('$A=$B x\nuse $A\n$B=final\nuse $A\n$B=changed\nuse $A\n');
  assert.deepEqual(r.words, ['use|$B|x', 'use|final|x', 'use|changed|x']);
});

test('openConfig() accepts blanks before $NAME= but not before the =', () => {
  const r = lex('   $A=1\n$B =2\nv $A $B\n');
  assert.deepEqual(r.words, ['$B|=2', 'v|1|$B']);
});

test('openConfig() allows an empty definition, which makes words disappear', () => {
  const r = lex('$E=\na $E b\n$E\n');
  assert.deepEqual(r.lines.map((l) => l.raw), ['a  b']);
});

test('openConfig() replaces only `${A ` of `${A }`, leaving the } behind as keepalived 2.2.7 does', () => {
  const r = lex('$A=v\nx ${A } y\n');
  assert.deepEqual(r.words, ['x|v', '}', 'y']);
  assert.deepEqual(r.messages, ["unexpected_eob: Extra '}' found"]);
});

test('openConfig() strips a comment produced by a substitution (${_HASH} outside quotes)', () => {
  const r = lex('x ${_HASH}y z\n"${_HASH}" ${_BANG}\n');
  assert.deepEqual(r.words, ['x', '#']);
});

test('openConfig() turns a definition whose value starts with @ID into a conditional line', () => {
  const r = lex('$IF=@lb1 kept\n$NOT=@lb2 dropped\n$IF\n$NOT\n');
  assert.deepEqual(r.words, ['kept']);
});

test('openConfig() keeps the old tail after an @ID from a lengthening substitution (keepalived 2.2.7)', () => {
  const r = lex('$B=@lb1 ,\n$B, c 1 =\n');
  assert.deepEqual(r.lines.map((l) => l.raw), [',, c ,, c 1 =']);
});

// ---------------------------------------------------------------- multiline definitions

test('openConfig() emits each line of a multiline definition as its own line at the use', () => {
  const r = lex('$M=line1 \\\n  line2 $X \\\nline3\n$X=xx\na $M\n');
  assert.deepEqual(r.words, ['a|line1', 'line2|xx', 'line3']);
  assert.deepEqual(r.lines.map((l) => l.line), [5, 5, 5]);
});

test('openConfig() expands a multiline definition only at the end of a line', () => {
  const r = lex('$M=a \\\nb\n$M c\nx ${M}\n');
  assert.deepEqual(r.words, ['$M|c', 'x|a', 'b']);
});

test('openConfig() ends a multiline definition at an empty line', () => {
  const r = lex('$M=a \\\n\nnot_part\nuse $M\n');
  assert.deepEqual(r.words, ['not_part', 'use|a']);
});

test('openConfig() expands multiline definitions used inside multiline definitions', () => {
  const r = lex('$IN=i1 \\\ni2\n$OUT=o1 \\\nmid $IN\\\no2\nuse $OUT\n');
  assert.deepEqual(r.words, ['use|o1', 'mid|i1', 'i2', 'o2']);
});

test('openConfig() blocks made of a multiline definition can be used several times', () => {
  const r = lex('$VIPS=virtual_ipaddress { \\\n 10.0.0.1 \\\n}\nvrrp_instance A {\n $VIPS\n}\n');
  assert.deepEqual(r.words, ['vrrp_instance|A', '{', 'virtual_ipaddress', '{', '10.0.0.1', '}', '}']);
  assert.deepEqual(r.diagnostics, []);
});

// ---------------------------------------------------------------- ~SEQ and ~LST

test('openConfig() repeats a line for each value of ~SEQ(var,start,end)', () => {
  const r = lex('~SEQ(i,2,4) ip 10.0.0.${i}\n');
  assert.deepEqual(r.words, ['ip|10.0.0.2', 'ip|10.0.0.3', 'ip|10.0.0.4']);
  assert.deepEqual(r.lines.map((l) => l.line), [1, 1, 1]);
});

test('openConfig() gives ~SEQ(i,N) 1..N, ~SEQ(i,0) 1 then 0 and ~SEQ(i,-2) -1 then -2', () => {
  assert.deepEqual(lex('~SEQ(i,3) v ${i}\n').words, ['v|1', 'v|2', 'v|3']);
  assert.deepEqual(lex('~SEQ(i,0) v ${i}\n').words, ['v|1', 'v|0']);
  assert.deepEqual(lex('~SEQ(i,-2) v ${i}\n').words, ['v|-1', 'v|-2']);
});

test('openConfig() counts down with a negative step and in hex with ~SEQx', () => {
  assert.deepEqual(lex('~SEQ(i, 5, -2, 1) v ${i}\n').words, ['v|5', 'v|3', 'v|1']);
  assert.deepEqual(lex('~SEQx(i,0x8,3,0x10) v ${i}\n').words, ['v|8', 'v|b', 'v|e']);
  assert.deepEqual(lex('~SEQ(i,3,1) v ${i}\n').words, ['v|3', 'v|2', 'v|1']);
});

test('openConfig() nests ~SEQ on one line, innermost first', () => {
  const r = lex('~SEQ(i,1,2) ~SEQ(j,1,2) w ${i}${j}\n');
  assert.deepEqual(r.words, ['w|11', 'w|12', 'w|21', 'w|22']);
});

test('openConfig() substitutes definitions in ~SEQ parameters', () => {
  const r = lex('$N=3\n~SEQ(i,2,$N) v ${i}\n');
  assert.deepEqual(r.words, ['v|2', 'v|3']);
});

test('openConfig() generates block entries with ~SEQ inside a block', () => {
  const r = lex('virtual_ipaddress {\n~SEQ(i,1,2) 10.0.0.${i}/24\n}\n');
  assert.deepEqual(r.words, ['virtual_ipaddress', '{', '10.0.0.1/24', '10.0.0.2/24', '}']);
});

test('openConfig() reports invalid ~SEQ specifications with keepalived wording', () => {
  assert.deepEqual(lex('~SEQ(i,1,0,5) x\n').messages, [
    "general_error: Invalid ~SEQ values '~SEQ(i,1,0,5) x'",
    "general_error: Invalid ~SEQ specification '~SEQ(i,1,0,5) x'",
  ]);
  assert.deepEqual(lex('~SEQ(i,1,3\n').messages, [
    "general_error: ~SEQ parameter strings too long '~SEQ(i,1,3'",
    "general_error: Invalid ~SEQ specification '~SEQ(i,1,3'",
  ]);
  assert.deepEqual(lex('~SEQx(i,-1,2) x\n').messages, [
    "general_error: ~SEQx is only valid for positive numbers '~SEQx(i,-1,2) x'",
    "general_error: Invalid ~SEQ specification '~SEQx(i,-1,2) x'",
  ]);
  assert.deepEqual(lex('~SEQ(i) x\n').messages, [
    "general_error: Invalid ~SEQ definition '~SEQ(i) x'",
    "general_error: Invalid ~SEQ specification '~SEQ(i) x'",
  ]);
  assert.deepEqual(lex('~SEQUENCE x\n').messages, ["general_error: Invalid ~SEQ specification '~SEQUENCE x'"]);
  assert.equal(lex('~SEQ(i,1,2,3,4) x\n').diagnostics[0]?.code, 'invalid_seq');
});

test('openConfig() refuses a ~SEQ longer than its iteration limit', () => {
  const r = lex('~SEQ(i,1,9223372036854775807) x\nafter\n');
  assert.deepEqual(r.words, ['after']);
  assert.equal(r.diagnostics[0]?.code, 'seq_too_long');
  assert.match(r.diagnostics[0]?.message ?? '', /9223372036854775807 times/);
});

test('openConfig() sets each ~LST value in turn', () => {
  const r = lex('~LST(v,a,b) L $v\n');
  assert.deepEqual(r.words, ['L|a', 'L|b']);
});

test('openConfig() sets ~LST tuples, blank for missing values', () => {
  const r = lex('~LST({a,b},{1,2},{3},4) v $a $b\n');
  assert.deepEqual(r.words, ['v|1|2', 'v|3', 'v|4']);
});

test('openConfig() combines ~LST and ~SEQ', () => {
  const r = lex('~LST(if,eth0,eth1) ~SEQ(n,1,2) ${if}.${n}\n');
  assert.deepEqual(r.words, ['eth0.1', 'eth0.2', 'eth1.1', 'eth1.2']);
});

test('openConfig() reports a ~LST with too many values', () => {
  assert.deepEqual(lex('~LST({p,q},{1,2,3}) L2\n').messages.slice(0, 2), [
    "general_error: ~LST specification has too many values '~LST({p,q},{1,2,3}) L2'",
    "general_error: Invalid ~LST specification '~LST({p,q},{1,2,3}) L2'",
  ]);
});

test('openConfig() stops producing ~SEQ lines after an invalid ~LST, as keepalived 2.2.7 miscounts', () => {
  const r = lex('~LST(i) bad\n~SEQ(i,1,2) x ${i}\nafter\n');
  assert.deepEqual(r.words, ['after']);
  assert.ok(r.diagnostics.some((d) => d.code === 'lst_count_drift' && d.kind === 'notice'));
});

// ---------------------------------------------------------------- predefined definitions

test('openConfig() gives ${_PWD} as the directory of the file being read', () => {
  const r = lex('a ${_PWD}\ninclude sub/x.conf\n', {}, { '/etc/keepalived/sub/x.conf': 'b ${_PWD}\n' });
  assert.deepEqual(r.words, ['a|/etc/keepalived', 'b|/etc/keepalived/sub']);
});

test('openConfig() gives ${_INSTANCE} as the config id', () => {
  assert.deepEqual(lex('router_id ${_INSTANCE}\n', { configId: 'node7' }).words, ['router_id|node7']);
});

test('openConfig() draws ${_RANDOM} from 0..32767 and ${_RANDOM MIN MAX} from MIN..MAX', () => {
  const random = new SeededRandom(42);
  const r = lex('a ${_RANDOM}\nb ${_RANDOM 5 10}\nc ${_RANDOM 7}\n', { random });
  assert.deepEqual(random.calls, [
    [0, 32767],
    [5, 10],
    [7, 32767],
  ]);
  const b = Number(r.lines[1]?.words[1]);
  assert.ok(b >= 5 && b <= 10);
});

test('openConfig() mangles the text after ${_RANDOM MIN MAX} exactly like keepalived 2.2.7, with a notice', () => {
  const r = lex('x ${_RANDOM 1 5} rest\n', { random: new FixedRandom(3) });
  assert.deepEqual(r.words, ['x|4|_RANDOM|1|5', '}', 'rest']);
  assert.ok(r.diagnostics.some((d) => d.code === 'random_params_mangle'));
});

test('openConfig() reads ${_ENV NAME} from options.env, empty when unset', () => {
  const r = lex('a ${_ENV HOME} b\nc ${_ENV NOPE}x\nd ${_ENV}\n', { env: { HOME: '/root' } });
  // ${_ENV} without a name is not a reference: its braces are cut like any other.
  assert.deepEqual(r.words, ['a|/root|b', 'c|x', 'd|$', '{', '_ENV', '}']);
});

test('openConfig() gives ${_HASH} and ${_BANG} inside quotes', () => {
  assert.deepEqual(lex('"${_HASH}${_BANG}"\n').words, ['#!']);
});

test('openConfig() lets a definition override a predefined name', () => {
  assert.deepEqual(lex('$_INSTANCE=mine\nv ${_INSTANCE}\n').words, ['v|mine']);
});

// ---------------------------------------------------------------- include

test('openConfig() includes files relative to the including file, anywhere, even inside a block', () => {
  const r = lex(
    'top {\ninclude conf.d/*.conf\n}\n',
    {},
    {
      '/etc/keepalived/conf.d/b.conf': 'bee\n',
      '/etc/keepalived/conf.d/a.conf': 'include ../other/c.conf\nay\n',
      '/etc/keepalived/other/c.conf': 'sea\n',
    },
  );
  assert.deepEqual(r.words, ['top', '{', 'sea', 'ay', 'bee', '}']);
  assert.deepEqual(
    r.lines.map((l) => `${l.file}:${l.line}`),
    [
      `${ROOT}:1`,
      `${ROOT}:1`,
      '/etc/keepalived/conf.d/../other/c.conf:1',
      '/etc/keepalived/conf.d/a.conf:2',
      '/etc/keepalived/conf.d/b.conf:1',
      `${ROOT}:3`,
    ],
  );
});

test('openConfig() includes brace alternatives in their order, duplicates included', () => {
  const files = { '/etc/keepalived/a.conf': 'A\n', '/etc/keepalived/b.conf': 'B\n' };
  assert.deepEqual(lex('include {b,a}.conf\n', {}, files).words, ['B', 'A']);
  assert.deepEqual(lex('include {a,a}.conf\n', {}, files).words, ['A', 'A']);
  assert.deepEqual(lex('include /etc/keepalived/*.conf\n', {}, files).words, ['A', 'B']);
});

test('openConfig() only notes a missing plain include, unless allConfig', () => {
  const r = lex('include missing.conf\nafter\n');
  assert.deepEqual(r.words, ['after']);
  assert.deepEqual(r.messages, ["notice: Config files missing 'missing.conf'."]);
  assert.equal(configTestExitCode(r.diagnostics), 0);
  const e = lex('include missing.conf\n', { allConfig: true });
  assert.deepEqual(e.messages, ["file_not_found: Config files missing 'missing.conf'."]);
  assert.equal(configTestExitCode(e.diagnostics), 4);
});

test('openConfig() words missing and partly missing includes like glibc-based keepalived', () => {
  const files = { '/etc/keepalived/inc/a.conf': 'x\n' };
  assert.deepEqual(
    lex('include nodir/*.conf\ninclude inc/*.none\ninclude inc/{a,zz}.conf\ninclude inc\n', {}, files).messages,
    [
      "notice: Config files missing 'nodir/*.conf'.",
      'notice: Some config files missing: "inc/{a,zz}.conf".',
      "notice: Configuration file 'inc/' is a directory - skipping",
    ],
  );
});

test('openConfig() makes includem/includew/includeb/includea failures errors', () => {
  const files = { '/etc/keepalived/inc/a.conf': 'x\n' };
  const r = lex('includem none.conf\nincludew inc/*.none\nincludeb inc/{a,zz}.conf\nincluder inc\n', {}, files);
  assert.deepEqual(r.messages, [
    "file_not_found: Config files missing 'none.conf'.",
    "file_not_found: No config files matched 'inc/*.none'.",
    'file_not_found: Some config files missing: "inc/{a,zz}.conf".',
    "file_not_found: Configuration file 'inc/' is a directory - skipping",
  ]);
  assert.deepEqual(r.words, []);
});

test('openConfig() takes the whole rest of the line as the include pattern', () => {
  const r = lex('include "a.conf"\ninclude a.conf b.conf\n', {}, { '/etc/keepalived/a.conf': 'A\n' });
  assert.deepEqual(r.messages, [`notice: Config files missing '"a.conf"'.`, "notice: Config files missing 'a.conf b.conf'."]);
});

test('openConfig() opens a ~SEQ of includes in reverse order, each relative to the last file opened', () => {
  const files = {
    '/etc/keepalived/f1.conf': 'one\n',
    '/etc/keepalived/f2.conf': 'two\n',
  };
  const r = lex('~SEQ(i,1,2) include f${i}.conf\nafter\n', {}, files);
  assert.deepEqual(r.words, ['two', 'one', 'after']);
});

test('openConfig() reads a root glob of several files as one configuration, with a warning', () => {
  const source = new MemoryFileSource({ '/cfg/a.conf': 'A {\n', '/cfg/b.conf': '}\n' });
  const r = lexSource(source, { root: '/cfg/*.conf' });
  assert.deepEqual(r.words, ['A', '{', '}']);
  assert.deepEqual(r.messages, [
    'multiple_files: WARNING, multiple configuration file matches of /cfg/*.conf, starting with /cfg/a.conf',
  ]);
});

test('openConfig() notes a missing root file; only -e makes it an error (keepalived 2.2.7 -t)', () => {
  // keepalived-compat: 2.2.7's `-t` only logs a missing main file and exits 0; with -e it exits 4.
  const r = lexSource(new MemoryFileSource({}), { root: '/nope/keepalived.conf' });
  assert.deepEqual(r.lines, []);
  assert.deepEqual(r.messages, ["notice: Config files missing '/nope/keepalived.conf'."]);
  assert.equal(r.diagnostics[0]?.code, 'config_file_missing');
  assert.equal(configTestExitCode(r.diagnostics), 0);
  const strict = lexSource(new MemoryFileSource({}), { root: '/nope/keepalived.conf', allConfig: true });
  assert.equal(configTestExitCode(strict.diagnostics), 4);
});

test('openConfig() reports an unreadable include with the errno text', () => {
  const r = lex('include secret.conf\n', {}, { '/etc/keepalived/secret.conf': { fail: 'EACCES' } });
  assert.deepEqual(r.messages, ["notice: Configuration file 'secret.conf' open problem (Permission denied) - skipping"]);
});

test('openConfig() applies include_check until the end of the current file', () => {
  const source = new MemoryFileSource({
    [ROOT]: 'include sub.conf\ninclude missing2.conf\n',
    '/etc/keepalived/sub.conf': 'check\ninclude missing1.conf\n',
  });
  const sink = lexSource(source, { maxLines: 1 });
  sink.reader.applyIncludeCheck(['include_check'], { file: '/etc/keepalived/sub.conf', line: 1 });
  const rest: string[] = [];
  for (let l = sink.reader.next(); l !== undefined; l = sink.reader.next()) rest.push(l.raw);
  assert.deepEqual(sink.sink.items.map((d) => `${d.kind}: ${d.message}`), [
    "file_not_found: Config files missing 'missing1.conf'.",
    "notice: Config files missing 'missing2.conf'.",
  ]);
});

test('applyIncludeCheck() reports unknown and duplicate include_check types', () => {
  const r = lex('x\n');
  r.reader.applyIncludeCheck(['include_check', 'read', 'bogus', '+frob'], { file: ROOT, line: 1 });
  assert.deepEqual(r.sink.items.map((d) => d.message), [
    "Duplicate include_check 'bogus' specified - ignoring",
    "Unknown include_check type 'frob' - ignoring",
  ]);
});

// ---------------------------------------------------------------- locations and limits

test('openConfig() gives every line an absolute file and the line it came from', () => {
  const r = lex('a\ninclude x.conf\nb\n', {}, { '/etc/keepalived/x.conf': '\n\nx1\n' });
  assert.deepEqual(
    r.lines.map((l) => `${l.file}:${l.line}:${l.raw}`),
    [`${ROOT}:1:a`, '/etc/keepalived/x.conf:3:x1', `${ROOT}:3:b`],
  );
});

test('openConfig() cuts lines longer than 1023 bytes into pieces, as keepalived fgets() does', () => {
  const long = `${'a'.repeat(1500)} tail`;
  const r = lex(`${long}\nnext\n`);
  assert.equal(r.lines.length, 3);
  assert.equal(r.lines[0]?.raw.length, LEXER_LIMITS.maxLineBytes);
  assert.equal(r.lines[1]?.raw, `${'a'.repeat(1500 - 1023)} tail`);
  assert.deepEqual(r.lines.map((l) => l.line), [1, 1, 2]);
  assert.equal(r.diagnostics[0]?.code, 'line_too_long');
});

test('openConfig() ignores the rest of a line after a NUL byte, with a notice', () => {
  const r = lex('ab\0cd ef\nnext\n');
  assert.deepEqual(r.words, ['ab', 'next']);
  assert.equal(r.diagnostics[0]?.code, 'nul_byte');
});

test('openConfig() keeps the substitution within keepalived line length and says so', () => {
  const r = lex(`$L=${'x'.repeat(600)}\nv $L $L\n`);
  assert.deepEqual(r.lines.map((l) => l.raw.length), [2 + 600 + 3]);
  assert.equal(r.diagnostics[0]?.code, 'substitution_too_long');
  assert.equal(r.diagnostics[0]?.kind, 'notice');
});

test('openConfig() is lazy: lines are produced one next() at a time', () => {
  const source = new MemoryFileSource({ [ROOT]: 'a\ninclude b.conf\n', '/etc/keepalived/b.conf': 'b\n' });
  const r = lexSource(source, { maxLines: 1 });
  assert.deepEqual(r.words, ['a']);
  assert.deepEqual(source.reads, [ROOT]);
});

test('expandBraces() follows glibc: nested, escaped and malformed braces', () => {
  assert.deepEqual(expandBraces('a{b,c{d,e}}f'), ['abf', 'acdf', 'acef']);
  assert.deepEqual(expandBraces('{x,y}{1,2}'), ['x1', 'x2', 'y1', 'y2']);
  assert.deepEqual(expandBraces('a\\{b,c}'), ['a\\{b,c}']);
  assert.deepEqual(expandBraces('a{b,c'), ['a{b,c']);
  assert.deepEqual(expandBraces('{}'), ['']);
  assert.equal(expandBraces('{a,b}'.repeat(12)), undefined);
});
