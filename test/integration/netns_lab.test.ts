import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, skipUnlessLab } from '../lab/netns_lab.js';

test('netns lab: hosts on one bridge reach each other; partition cuts them apart with the carrier up; destroy leaves nothing', async (t) => {
  if (skipUnlessLab(t, ['ping'])) return;
  const lab = Lab.create({ tag: 'lab', hosts: ['a', 'b'], net: 201 });
  try {
    const b = lab.host('b');
    assert.match(lab.exec('a', ['ping', '-c1', '-W1', b.ipv4]), /1 received/);
    assert.match(lab.exec('a', ['ping', '-c1', '-W1', b.ipv6]), /1 received/);
    lab.partition('b');
    assert.doesNotMatch(lab.exec('a', ['ping', '-c1', '-W1', b.ipv4], true), /1 received/);
    assert.match(lab.exec('b', ['ip', 'link', 'show', 'eth0']), /LOWER_UP/);
    lab.heal('b');
    assert.match(lab.exec('a', ['ping', '-c1', '-W2', b.ipv4]), /1 received/);
    lab.cutLink('b');
    assert.match(lab.exec('b', ['ip', 'link', 'show', 'eth0']), /NO-CARRIER/);
  } finally {
    await lab.destroy();
  }
  assert.doesNotMatch(lab.exec.length >= 0 ? (await import('node:child_process')).spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout : '', new RegExp(`kats-lab-${process.pid}-`));
});
