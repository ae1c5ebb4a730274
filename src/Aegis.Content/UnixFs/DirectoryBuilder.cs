using Aegis.Content.Cids;
using Aegis.Content.DagPb;

namespace Aegis.Content.UnixFs;

/// <summary>
/// A basic (unsharded) UnixFS directory tree for multi-file adds and <c>wrap-with-directory</c>. Links are ordered by
/// name (ordinal), as go-merkledag sorts them when it encodes a node.
/// </summary>
public sealed class DirectoryBuilder
{
    /// <summary>Kubo shards directories above 256 KiB of links; plain directories up to this many entries stay well under that.</summary>
    public const int MaxEntries = 4096;

    private readonly Dictionary<string, object> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    /// <summary>Adds a file at a relative path ("a/b/c.txt"); intermediate directories are created.</summary>
    /// <exception cref="ArgumentException">an empty or '..' segment, a name used twice, or too many entries.</exception>
    public void AddFile(string path, ImportedNode file) => Add(Segments(path), 0, file);

    /// <summary>Makes sure a (possibly empty) directory exists at <paramref name="path"/>.</summary>
    public void AddDirectory(string path)
    {
        string[] segments = Segments(path);
        DirectoryBuilder current = this;
        for (int i = 0; i < segments.Length; i++)
        {
            current = current.Subdirectory(segments, i);
        }
    }

    public async Task<IReadOnlyList<(string Path, ImportedNode Node)>> BuildAsync(int cidVersion, IBlockSink sink, CancellationToken ct)
    {
        var all = new List<(string, ImportedNode)>();
        ImportedNode root = await BuildAsync("", cidVersion, sink, all, ct).ConfigureAwait(false);
        all.Add(("", root));
        return all;
    }

    private async Task<ImportedNode> BuildAsync(string prefix, int cidVersion, IBlockSink sink, List<(string, ImportedNode)> all, CancellationToken ct)
    {
        var links = new List<PbLink>(_entries.Count);
        ulong total = 0;
        foreach ((string name, object entry) in _entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            ImportedNode child = entry is DirectoryBuilder dir
                ? await dir.BuildAsync(prefix + name + "/", cidVersion, sink, all, ct).ConfigureAwait(false)
                : (ImportedNode)entry;
            if (entry is DirectoryBuilder)
            {
                all.Add((prefix + name, child));
            }

            links.Add(new PbLink(child.Cid, name, child.TotalSize));
            total += child.TotalSize;
        }

        byte[] block = new PbNode(links, new UnixFsData(UnixFsType.Directory).Encode()).Encode();
        Cid cid = Cid.Of(block, cidVersion, Multicodec.DagPb);
        await sink.PutAsync(cid, block, ct).ConfigureAwait(false);
        return new ImportedNode(cid, total + (ulong)block.Length, 0);
    }

    private void Add(string[] segments, int i, ImportedNode file)
    {
        if (i == segments.Length - 1)
        {
            if (!_entries.TryAdd(segments[i], file))
            {
                throw new ArgumentException($"'{string.Join('/', segments)}' is added twice");
            }

            CheckSize();
            return;
        }

        Subdirectory(segments, i).Add(segments, i + 1, file);
    }

    /// <summary>The child directory named <c>segments[depth]</c>, created when missing.</summary>
    private DirectoryBuilder Subdirectory(string[] segments, int depth)
    {
        if (!_entries.TryGetValue(segments[depth], out object? existing))
        {
            existing = new DirectoryBuilder();
            _entries[segments[depth]] = existing;
            CheckSize();
        }

        return existing as DirectoryBuilder ?? throw new ArgumentException($"'{segments[depth]}' is both a file and a directory");
    }

    private void CheckSize()
    {
        if (_entries.Count > MaxEntries)
        {
            throw new ArgumentException($"a directory may hold at most {MaxEntries} entries");
        }
    }

    private static string[] Segments(string path)
    {
        string[] segments = path.Replace('\\', '/').Trim('/').Split('/');
        foreach (string s in segments)
        {
            if (s.Length == 0 || s is "." or "..")
            {
                throw new ArgumentException($"path '{path}': empty, '.' or '..' segment");
            }
        }

        return segments;
    }
}
