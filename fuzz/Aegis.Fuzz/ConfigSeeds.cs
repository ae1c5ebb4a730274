namespace Aegis.Fuzz;

/// <summary>config.yaml seeds: the contract's example (every section) and a small one exercising ${VAR} forms and lists.</summary>
internal static class ConfigSeeds
{
    public const string Contract = """
        node:
          id: "node-0"
          environment: development
          data_dir: ./data
          key_file: ./node.key
        genesis_file: ../genesis.json
        p2p:
          host: 0.0.0.0
          port: 8000
          bootstrap_nodes: ["127.0.0.1:8010"]
          max_peers: 50
        consensus:
          algorithm: pbft
          view_change_timeout_ms: 2000
          max_block_txs: 2000
        storage:
          type: sqlite
          connection_string: "${DATABASE_URL}"
        api:
          host: 127.0.0.1
          port: 8080
        monitoring:
          metrics_port: 9090
        security:
          authentication: false
          jwt_secret: "${AEGIS_JWT_SECRET}"
          rate_limit_per_minute: 6000
        logging:
          level: INFO
          format: text
          file: ""

        """;

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
