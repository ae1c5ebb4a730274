namespace Aegis.Node.Configuration;

/// <summary>
/// The AEGIS_* variables of the contract, applied after the file so they win over it. An empty variable counts as
/// unset, because container tooling often passes <c>NAME=</c> for "not configured".
/// </summary>
internal static class EnvironmentOverrides
{
    // Applied in this order: AEGIS_DATABASE_URL comes after DATABASE_URL so the AEGIS_ name wins when both are set.
    private static readonly (string Variable, string Path)[] Table =
    [
        ("AEGIS_NODE_ID", "node.id"),
        ("AEGIS_ENVIRONMENT", "node.environment"),
        ("AEGIS_LOG_LEVEL", "logging.level"),
        ("AEGIS_P2P_HOST", "p2p.host"),
        ("AEGIS_P2P_PORT", "p2p.port"),
        ("AEGIS_BOOTSTRAP_NODES", "p2p.bootstrap_nodes"),
        ("AEGIS_STORAGE_TYPE", "storage.type"),
        ("DATABASE_URL", "storage.connection_string"),
        ("AEGIS_DATABASE_URL", "storage.connection_string"),
        ("AEGIS_METRICS_PORT", "monitoring.metrics_port"),
        ("AEGIS_ENCRYPTION_KEY", "security.encryption_key"),
        ("AEGIS_JWT_SECRET", "security.jwt_secret"),
        ("AEGIS_JWT_PREVIOUS_SECRET", "security.jwt_previous_secret"),
    ];

    /// <summary>Sets every override present; a value of the wrong type is a problem naming the variable. An override also clears the key's unset-variable record: the file's value no longer matters.</summary>
    public static void Apply(AegisConfig config, IReadOnlyDictionary<string, string?> environment, List<string> problems, Dictionary<string, IReadOnlyList<string>> unsetVariables)
    {
        foreach ((string variable, string path) in Table)
        {
            if (!environment.TryGetValue(variable, out string? text) || string.IsNullOrEmpty(text))
            {
                continue;
            }

            ConfigField field = ConfigSchema.Find(path)!;
            if (field.TryParse(text, out object? value))
            {
                field.SetValue(config, value);
                unsetVariables.Remove(path);
            }
            else
            {
                problems.Add($"{variable}: {SecretMasking.Show(text, field.Secret)} — {field.Expected} for {path}");
            }
        }
    }
}
