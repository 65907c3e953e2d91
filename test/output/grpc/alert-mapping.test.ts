// A Falco JSON alert line → sensord.v1.Alert: the container and pod blocks come from output_fields (enrichment adds
// container.*, k8s.* to every alert), MITRE from tags.
import { describe, expect, it } from 'vitest';
import { alertFromJsonLine } from '../../../sensor/src/output/grpc/proto.js';

describe('alertFromJsonLine', () => {
  it('fills the container and pod blocks, labels from k8s.pod.labels and k8s.pod.label[KEY]', () => {
    const line = JSON.stringify({
      time: '2026-11-24T01:02:03.123456789Z', rule: 'R', priority: 'Warning', source: 'syscall', tags: ['T1059', 'mitre_execution'],
      output: 'x', hostname: 'n1',
      output_fields: {
        'container.id': 'aef60e4e30c9', 'container.name': 'reader', 'container.image.repository': 'docker.io/x/y', 'container.image.tag': '1.2',
        'k8s.ns.name': 'shop', 'k8s.pod.name': 'web-0', 'k8s.pod.labels': 'app:web,app.kubernetes.io/part-of:shop', 'k8s.pod.label[tier]': 'front',
      },
    });
    const { alert, timeNs } = alertFromJsonLine(line, 'n1');
    expect(timeNs).toBe('1795482123123456789');
    expect(alert.container).toEqual({ id: 'aef60e4e30c9', name: 'reader', image: 'docker.io/x/y:1.2' });
    expect(alert.pod).toEqual({ name: 'web-0', namespace: 'shop', labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop', tier: 'front' } });
  });

  it('output_fields values as text keep every digit of integers past 2^53, unescape strings, null as empty', () => {
    const line = '{"hostname":"n1","output":"o","output_fields":{"evt.time":1795495264076356150,"proc.pid":4225,' +
      '"proc.cmdline":"sh -c \\"echo {a,b}: 1,2\\"","fd.name":null,"evt.is_open_read":true,"k\\"q":"v"},"priority":"Warning","rule":"R","time":"2026-11-24T01:02:03.123456789Z"}';
    const { alert } = alertFromJsonLine(line, 'n1');
    expect(alert.output_fields).toEqual({
      'evt.time': '1795495264076356150', 'proc.pid': '4225', 'proc.cmdline': 'sh -c "echo {a,b}: 1,2"', 'fd.name': '', 'evt.is_open_read': 'true', 'k"q': 'v',
    });
    expect(alert.output_fields_json).toBe(line.slice(line.indexOf('{"evt.time"'), line.indexOf(',"priority"')));
    // Not flat (no Falco output has this): values come from the parsed object.
    const nested = alertFromJsonLine(JSON.stringify({ rule: 'R', output_fields: { a: [1, 2], b: 'x' } }), 'n1');
    expect(nested.alert.output_fields).toEqual({ a: '[1,2]', b: 'x' });
  });

  it('host alerts (no metadata) give empty blocks', () => {
    const { alert } = alertFromJsonLine(JSON.stringify({ rule: 'R', output_fields: { 'container.id': 'host', 'k8s.pod.name': null } }), 'n1');
    expect(alert.pod).toEqual({ name: '', namespace: '', labels: {} });
  });
});
