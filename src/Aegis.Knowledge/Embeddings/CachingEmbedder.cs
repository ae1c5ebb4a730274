using System.Security.Cryptography;
using System.Text;

namespace Aegis.Knowledge.Embeddings;

/// <summary>
/// Remembers passage vectors in a file keyed by model, version and the passage's SHA-256, so repeated evaluations of
/// one collection embed it once (1,800 Cranfield chunks take minutes on a loaded 2-core machine). Only `aegis
/// knowledge eval --embedding-cache` uses it; the service always embeds what it ingests.
/// </summary>
public sealed class CachingEmbedder : IEmbedder
{
    private readonly IEmbedder _inner;
    private readonly string _path;
    private readonly Dictionary<string, float[]> _cache = new(StringComparer.Ordinal);

    public CachingEmbedder(IEmbedder inner, string path)
    {
        _inner = inner;
        _path = path;
        if (!File.Exists(path))
        {
            return;
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadString() != Tag)
        {
            return;
        }

        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            string key = reader.ReadString();
            var v = new float[inner.Dimensions];
            for (int d = 0; d < v.Length; d++)
            {
                v[d] = reader.ReadSingle();
            }

            _cache[key] = v;
        }
    }

    public string ModelName => _inner.ModelName;

    public string ModelVersion => _inner.ModelVersion;

    public int Dimensions => _inner.Dimensions;

    private string Tag => $"{_inner.ModelName}/{_inner.ModelVersion}/{_inner.Dimensions}";

    public float[][] EmbedPassages(IReadOnlyList<string> passages, CancellationToken ct)
    {
        string[] keys = passages.Select(p => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(p)))).ToArray();
        int[] missing = Enumerable.Range(0, passages.Count).Where(i => !_cache.ContainsKey(keys[i])).ToArray();
        if (missing.Length > 0)
        {
            float[][] fresh = _inner.EmbedPassages(missing.Select(i => passages[i]).ToList(), ct);
            for (int j = 0; j < missing.Length; j++)
            {
                _cache[keys[missing[j]]] = fresh[j];
            }

            Save();
        }

        return keys.Select(k => _cache[k]).ToArray();
    }

    public float[] EmbedQuery(string query, CancellationToken ct) => _inner.EmbedQuery(query, ct);

    private void Save()
    {
        string temp = _path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            writer.Write(Tag);
            writer.Write(_cache.Count);
            foreach ((string key, float[] v) in _cache)
            {
                writer.Write(key);
                foreach (float x in v)
                {
                    writer.Write(x);
                }
            }
        }

        File.Move(temp, _path, true);
    }
}
