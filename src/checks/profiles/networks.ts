/**
 * How platforms offer high-performance secondary networks, as data: DRA network drivers and the
 * attributes they publish per interface, and the older mechanisms kaic detects but does not prove
 * (Multus NetworkAttachmentDefinitions, SR-IOV and RDMA device-plugin resources).
 */

/** A DRA driver whose devices are network interfaces, and the attribute names it publishes. */
export interface NetworkDriverProfile {
  readonly driver: string;
  readonly name: string;
  /** Qualified attribute names (domain/name). */
  readonly attributes: { readonly ifName: string; readonly mac: string; readonly ipv4?: string; readonly rdma?: string; readonly type?: string; readonly virtual?: string };
}

export const NETWORK_DRIVERS: readonly NetworkDriverProfile[] = [
  { driver: 'dra.net', name: 'DRANET', attributes: { ifName: 'dra.net/ifName', mac: 'dra.net/mac', ipv4: 'dra.net/ipv4', rdma: 'dra.net/rdma', type: 'dra.net/type', virtual: 'dra.net/virtual' } },
];

/**
 * A driver kaic has no profile for is still a network driver when its devices publish both an
 * interface name and a hardware address (any domain): `<domain>/ifName` or `/interfaceName`, and
 * `<domain>/mac` or `/macAddress`.
 */
export function networkProfileFor(driver: string, attributeNames: readonly string[]): NetworkDriverProfile | undefined {
  const known = NETWORK_DRIVERS.find((p) => p.driver === driver);
  if (known) return known;
  const find = (re: RegExp) => attributeNames.find((a) => re.test(a));
  const ifName = find(/\/(ifName|interfaceName)$/);
  const mac = find(/\/(mac|macAddress|hardwareAddress)$/);
  if (!ifName || !mac) return undefined;
  const ipv4 = find(/\/(ipv4|ipv4Address)$/);
  return { driver, name: driver, attributes: { ifName, mac, ...(ipv4 ? { ipv4 } : {}) } };
}

/** Device-plugin resources of SR-IOV and RDMA networking (detected, reported, not proven). */
export const NETWORK_RESOURCE = /^rdma\/|\/(rdma|roce|hca)|sriov|^openshift\.io\/|^vpc\.amazonaws\.com\/efa$|^networking\.gke\.io\.networks\//i;

/** `dra.net/mac` → `device.attributes["dra.net"].mac`, for a CEL selector. */
export function celAttribute(qualified: string): string {
  const i = qualified.lastIndexOf('/');
  return `device.attributes[${JSON.stringify(qualified.slice(0, i))}].${qualified.slice(i + 1)}`;
}
