/**
 * Secret XML: round trips of every usage type, defaults, and rejections that
 * name the field at fault.
 */
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { formatSecretXml, parseSecretXml } from "../../src/conf/secret.ts";
import { VirtError } from "../../src/errors.ts";

function rejects(xml: string, message: RegExp): void {
  assertThrows(() => parseSecretXml(xml), (e: unknown) => {
    assert(e instanceof VirtError, `expected a VirtError, got ${e}`);
    assert(message.test(e.message), `message ${JSON.stringify(e.message)} does not match ${message}`);
    return true;
  });
}

Deno.test("secret: each usage type round-trips", () => {
  const cases: [string, string, string][] = [
    ["volume", "volume", "/var/lib/libvirt/images/a.img"],
    ["ceph", "name", "client.admin secret"],
    ["iscsi", "target", "iqn.2013-07.com.example:t1"],
    ["tls", "name", "tls-creds"],
    ["vtpm", "name", "vtpm &amp; more"],
  ];
  for (const [type, el, id] of cases) {
    const xml = `<secret ephemeral='yes' private='no'>
  <uuid>f52a81b2-424e-490c-823d-6bd4235bc572</uuid>
  <description>d</description>
  <usage type='${type}'>
    <${el}>${id}</${el}>
  </usage>
</secret>
`;
    assertEquals(formatSecretXml(parseSecretXml(xml)), xml);
  }
});

Deno.test("secret: defaults: flags written as 'no', uuid canonicalised or generated, usage 'none' dropped", () => {
  assertEquals(
    formatSecretXml(parseSecretXml("<secret><uuid> F52A81B2424E490C823D6BD4235BC572 </uuid><usage type='none'/></secret>")),
    `<secret ephemeral='no' private='no'>
  <uuid>f52a81b2-424e-490c-823d-6bd4235bc572</uuid>
</secret>
`,
  );
  const s = parseSecretXml("<secret/>");
  assert(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/.test(s.uuid), s.uuid);
  assertEquals(s.usage, undefined);
});

Deno.test("secret: bad definitions are rejected naming the field", () => {
  rejects("<secret><uuid>1234</uuid></secret>", /malformed uuid '1234'/);
  rejects("<secret ephemeral='maybe'/>", /'ephemeral'.*yes, no/);
  rejects("<secret private='1'/>", /'private'.*yes, no/);
  rejects("<secret><usage/></secret>", /'type'/);
  rejects("<secret><usage type='disk'/></secret>", /'type'.*volume, ceph, iscsi, tls, vtpm/);
  rejects("<secret><usage type='volume'><name>x</name></usage></secret>", /<volume>/);
  rejects("<secret><usage type='iscsi'><target></target></usage></secret>", /<target>/);
  rejects("<network/>", /<secret>/);
  assertThrows(() => parseSecretXml("<secret><bogus/></secret>", { validate: true }), /unknown element <bogus>/);
});
