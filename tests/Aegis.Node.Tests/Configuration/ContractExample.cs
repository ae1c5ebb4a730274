namespace Aegis.Node.Tests.Configuration;

/// <summary>The config.yaml of CONTRACT.md, comments included: it must keep loading as written there.</summary>
internal static class ContractExample
{
    public const string Yaml = """
        node:
          id: "node-0"                  # default: derived from the identity key
          environment: development       # development | testing | production
          data_dir: ./data
          key_file: ./node.key
        genesis_file: ../genesis.json    # validator set: ids, public keys, p2p addresses
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
          type: sqlite                   # sqlite | postgresql
          connection_string: "${DATABASE_URL}"   # ${VAR} is expanded from the environment
        api:
          host: 127.0.0.1
          port: 8080
        monitoring:
          metrics_port: 9090             # serves /metrics, /health, /ready
        security:
          authentication: false          # true: writes need "Authorization: Bearer <JWT>"
          jwt_secret: "${AEGIS_JWT_SECRET}"   # HS256 secret (or jwt_public_key_file for RS256/ES256)
          rate_limit_per_minute: 6000    # per client IP / token on the API; 429 with Retry-After beyond
        logging:
          level: INFO                    # DEBUG | INFO | WARNING | ERROR
          format: text                   # text | json
          file: ""                       # optional log file
        """;
}
