namespace Aegis.Node.Configuration;

/// <summary>
/// YAML file → keys bound with ${VAR} expanded → AEGIS_* environment overrides (they win) → relative paths resolved
/// against the config file's folder → validation. Never throws for a user mistake: every problem becomes a line.
/// </summary>
public static class ConfigLoader
{
    /// <summary>A config is a page of settings; anything larger is the wrong file, and reading it whole would be a hazard.</summary>
    internal const int MaxFileChars = 1024 * 1024;

    public static ConfigResult Load(string path, IReadOnlyDictionary<string, string?> environment)
    {
        if (!TryLocate(path, out string fullPath, out string directory))
        {
            return Failed([$"config: {(string.IsNullOrWhiteSpace(path) ? "(empty)" : path)} — expected the path of a config.yaml file"], directory);
        }

        if (Read(path, fullPath, out string? readProblem) is not { } yaml)
        {
            return Failed([readProblem!], directory);
        }

        if (YamlDocumentReader.Read(yaml, out string? syntaxProblem) is not { } root)
        {
            return Failed([syntaxProblem!], directory);
        }

        var config = new AegisConfig();
        var binder = new ConfigBinder(environment);
        binder.Bind(root, config);
        var problems = new List<string>(binder.Problems);
        EnvironmentOverrides.Apply(config, environment, problems, binder.UnsetVariables);
        ConfigPaths.Resolve(config, directory);
        problems.AddRange(ConfigValidator.Validate(config, binder.UnsetVariables));
        return problems.Count == 0 ? new ConfigResult(config, [], directory) : Failed(problems, directory);
    }

    /// <summary>The process environment as <see cref="Load"/> expects it; tests pass their own dictionary instead.</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment() =>
        System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value);

    private static ConfigResult Failed(IReadOnlyList<string> problems, string directory) => new(null, problems, directory);

    private static bool TryLocate(string path, out string fullPath, out string directory)
    {
        fullPath = "";
        directory = Directory.GetCurrentDirectory();
        if (string.IsNullOrWhiteSpace(path))
        {
            return false;
        }

        try
        {
            fullPath = Path.GetFullPath(path);
            directory = Path.GetDirectoryName(fullPath) ?? directory;
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }
    }

    // The file's text, or why it cannot be a config. Reads at most one character past the limit, so a huge or endless
    // file (a device, a log) is refused without being read whole.
    private static string? Read(string path, string fullPath, out string? problem)
    {
        problem = Directory.Exists(fullPath) ? $"config: {path} — a directory; expected a config.yaml file"
            : !File.Exists(fullPath) ? $"config: {path} — file not found"
            : null;
        if (problem is not null)
        {
            return null;
        }

        try
        {
            using var reader = new StreamReader(fullPath);
            var buffer = new char[MaxFileChars + 1];
            int read = reader.ReadBlock(buffer, 0, buffer.Length);
            if (read > MaxFileChars)
            {
                problem = $"config: {path} — larger than {MaxFileChars} characters; expected a config.yaml";
                return null;
            }

            return new string(buffer, 0, read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"config: {path} — unreadable ({ex.Message})";
            return null;
        }
    }
}
