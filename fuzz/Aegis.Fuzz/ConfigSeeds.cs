namespace Aegis.Fuzz;

/// <summary>A small config.yaml seed exercising ${VAR} forms, lists and flow mappings (the other seed is every key, from ConfigRedactor).</summary>
internal static class ConfigSeeds
{
    public const string Small = """
        p2p:
          port: ${P2P_PORT:-26600}
          bootstrap_nodes:
            - 127.0.0.1:26610
            - "${PEER:-}"
        api: {port: 26601, host: localhost}
        storage: {type: postgresql, connection_string: "postgresql://u:$${x}@h/db", schema: s1}
        consensus: {pipeline_depth: 16}

        """;
}
