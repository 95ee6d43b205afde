/** The simulated hosts, as they appear in Via, Contact and request URIs of the call ladder. */
export const sipHosts = {
  sipServer: 'sipserver.vox.local:5060',
  resourceManager: 'rm.vox.local:5070',
} as const;

export function mcpHost(name: string): string {
  return `${name}.vox.local:5080`;
}
