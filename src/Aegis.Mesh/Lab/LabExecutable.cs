namespace Aegis.Mesh.Lab;

/// <summary>How to start the aegis CLI from the lab: the running executable, or `dotnet aegis.dll`.</summary>
public sealed record LabExecutable(string FileName, string PrefixArguments)
{
    public static LabExecutable Current()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string entry = System.Reflection.Assembly.GetEntryAssembly()?.Location ?? "";
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? new LabExecutable(process, $"\"{entry}\"") : new LabExecutable(process, "");
    }

    public static LabExecutable FromDll(string aegisDll) => new("dotnet", $"\"{aegisDll}\"");

    public string Command(string arguments) => $"{Quote(FileName)} {PrefixArguments} {arguments}".Replace("  ", " ", StringComparison.Ordinal);

    private static string Quote(string s) => s.Contains(' ', StringComparison.Ordinal) ? $"\"{s}\"" : s;
}
