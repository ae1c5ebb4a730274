namespace Aegis.Node.Configuration;

/// <summary>
/// Relative paths in config.yaml mean "next to this file", not "wherever the process was started": a node directory
/// (config.yaml, node.key, data/) can then be moved or started from any working directory.
/// </summary>
internal static class ConfigPaths
{
    public static void Resolve(AegisConfig config, string configDirectory)
    {
        config.Node.DataDir = Against(configDirectory, config.Node.DataDir);
        config.Node.KeyFile = Against(configDirectory, config.Node.KeyFile);
        config.GenesisFile = Against(configDirectory, config.GenesisFile);
        config.Logging.File = Against(configDirectory, config.Logging.File);
        config.Security.JwtPublicKeyFile = Against(configDirectory, config.Security.JwtPublicKeyFile);
        config.Api.Tls.CertFile = Against(configDirectory, config.Api.Tls.CertFile);
        config.Api.Tls.KeyFile = Against(configDirectory, config.Api.Tls.KeyFile);
        config.Dashboard.PeerCaFile = Against(configDirectory, config.Dashboard.PeerCaFile);
    }

    // Empty stays empty: "no file" must not turn into "the config directory".
    private static string Against(string directory, string path) =>
        string.IsNullOrWhiteSpace(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(directory, path));
}
