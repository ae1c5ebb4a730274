using Aegis.Fuzz;
using SharpFuzz;

// aegis-fuzz TARGET                      run TARGET under afl-fuzz (persistent mode; once when not under afl-fuzz)
// aegis-fuzz list                        targets, one a line: name family decoder
// aegis-fuzz replay TARGET PATH...       run files (or every file in folders) once each; exit 1 on any finding
// aegis-fuzz seeds DIR                   write the seed corpus, one folder per target
const int MaxInputBytes = 1024 * 1024;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: aegis-fuzz TARGET | list | replay TARGET PATH... | seeds DIR");
    return 2;
}

switch (args[0])
{
    case "list":
        foreach (FuzzTarget t in FuzzTargets.All)
        {
            Console.WriteLine($"{t.Name}\t{t.Family}\t{t.Decoder}");
        }

        return 0;

    case "seeds" when args.Length == 2:
        foreach ((string name, int count) in SeedWriter.Write(args[1]))
        {
            Console.WriteLine($"{name}: {count} seeds");
        }

        return 0;

    case "replay" when args.Length >= 3:
        return Replay(args[1], args[2..]);
}

FuzzTarget? target = FuzzTargets.Find(args[0]);
if (target is null)
{
    Console.Error.WriteLine($"unknown target '{args[0]}'; known: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
    return 2;
}

var buffer = new MemoryStream();
Fuzzer.Run(stream =>
{
    buffer.SetLength(0);
    stream.CopyTo(buffer);
    if (buffer.Length <= MaxInputBytes)
    {
        target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }
});
return 0;

static int Replay(string name, string[] paths)
{
    FuzzTarget? target = FuzzTargets.Find(name);
    if (target is null)
    {
        Console.Error.WriteLine($"unknown target '{name}'");
        return 2;
    }

    int findings = 0;
    int files = 0;
    foreach (string file in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
    {
        files++;
        if (FuzzTargets.Try(target, File.ReadAllBytes(file)) is { } finding)
        {
            findings++;
            Console.WriteLine($"FINDING {file}: {finding}");
        }
    }

    Console.WriteLine($"{name}: {files} inputs, {findings} findings");
    return findings == 0 ? 0 : 1;
}
