import type { V1Node } from '@kubernetes/client-node';

export const isReadyNode = (n: V1Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const nodeName = (n: V1Node) => n.metadata!.name!;
