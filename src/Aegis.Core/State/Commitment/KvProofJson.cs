using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aegis.Core.Crypto;
using Aegis.Core.Encoding;
using Aegis.Core.Ledger;

namespace Aegis.Core.State.Commitment;

/// <summary>
/// The JSON form of a <see cref="KvProof"/>, as `GET /v1/kv/{key}?proof=true` answers it and `aegis proof verify`
/// reads it. The signed parts (header, certificate) travel as their canonical bytes in hex, because a verifier must hash
/// exactly what the validators signed; the rest is readable. Key and value are UTF-8 strings, as everywhere on the REST
/// API, and the proof covers their UTF-8 bytes. <c>block_height</c>, <c>state_root</c> and <c>height</c> repeat what the
/// header says, for people; the parser refuses a document where they disagree with it.
/// </summary>
public sealed class KvProofJson
{
    public const string FormatName = "aegis-kv-proof/1";

    [JsonPropertyName("key")]
    public string? Key { get; set; }

    /// <summary>Null when the proof is of absence.</summary>
    [JsonPropertyName("value")]
    public string? Value { get; set; }

    /// <summary>The height whose state is proven (header height − pipeline depth).</summary>
    [JsonPropertyName("height")]
    public ulong Height { get; set; }

    [JsonPropertyName("proof")]
    public ProofBody? Proof { get; set; }

    public sealed class ProofBody
    {
        [JsonPropertyName("format")]
        public string? Format { get; set; }

        [JsonPropertyName("block_height")]
        public ulong BlockHeight { get; set; }

        [JsonPropertyName("state_root")]
        public string? StateRoot { get; set; }

        [JsonPropertyName("header")]
        public string? Header { get; set; }

        [JsonPropertyName("certificate")]
        public string? Certificate { get; set; }

        /// <summary>The leaf the walk ended on, or null when it ended on an empty subtree.</summary>
        [JsonPropertyName("leaf")]
        public LeafBody? Leaf { get; set; }

        /// <summary>One sibling hash per level, root first.</summary>
        [JsonPropertyName("siblings")]
        public List<string>? Siblings { get; set; }
    }

    public sealed class LeafBody
    {
        [JsonPropertyName("key_hash")]
        public string? KeyHash { get; set; }

        [JsonPropertyName("value_hash")]
        public string? ValueHash { get; set; }
    }

    public static KvProofJson From(KvProof proof, int pipelineDepth)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return new KvProofJson
        {
            Key = StrictUtf8.GetString(proof.Key),
            Value = proof.Value is null ? null : StrictUtf8.GetString(proof.Value),
            Height = KvProof.StateHeightOf(proof.Header.Height, pipelineDepth),
            Proof = new ProofBody
            {
                Format = FormatName,
                BlockHeight = proof.Header.Height,
                StateRoot = proof.Header.StateRoot.ToString(),
                Header = Convert.ToHexStringLower(proof.Header.ToBytes()),
                Certificate = Convert.ToHexStringLower(proof.Certificate.ToBytes()),
                Leaf = proof.Proof.Leaf is { } l ? new LeafBody { KeyHash = l.KeyHash.ToString(), ValueHash = l.ValueHash.ToString() } : null,
                Siblings = [.. proof.Proof.Siblings.Select(s => s.ToString())],
            },
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, KvProofJsonContext.Default.KvProofJson);

    /// <summary>Parses a proof document; <see cref="CodecException"/> names the first field that is missing or malformed.</summary>
    /// <param name="pipelineDepth">the genesis pipeline depth, to check the stated <c>height</c>.</param>
    public static KvProof Parse(string json, int pipelineDepth)
    {
        KvProofJson? doc;
        try
        {
            doc = JsonSerializer.Deserialize(json, KvProofJsonContext.Default.KvProofJson);
        }
        catch (JsonException ex)
        {
            throw new CodecException($"proof: not valid JSON ({ex.Message})", ex);
        }

        if (doc?.Proof is not { } body)
        {
            throw new CodecException("proof: no \"proof\" object (was the read made with ?proof=true?)");
        }

        if (body.Format != FormatName)
        {
            throw new CodecException($"proof.format: expected \"{FormatName}\", got \"{body.Format}\"");
        }

        if (doc.Key is null)
        {
            throw new CodecException("key: missing");
        }

        BlockHeader header = Decode(body.Header, "proof.header", static (ref CanonicalReader r) => BlockHeader.ReadFrom(ref r));
        CommitCertificate certificate = Decode(body.Certificate, "proof.certificate", static (ref CanonicalReader r) => CommitCertificate.ReadFrom(ref r));
        if (body.BlockHeight != header.Height)
        {
            throw new CodecException($"proof.block_height: {body.BlockHeight}, but the header is at {header.Height}");
        }

        if (body.StateRoot != header.StateRoot.ToString())
        {
            throw new CodecException($"proof.state_root: {body.StateRoot}, but the header's is {header.StateRoot}");
        }

        ulong stateHeight = KvProof.StateHeightOf(header.Height, pipelineDepth);
        if (doc.Height != stateHeight)
        {
            throw new CodecException($"height: {doc.Height}, but a header at {header.Height} commits to the state after block {stateHeight}");
        }

        ProofLeaf? leaf = body.Leaf is { } l ? new ProofLeaf(ParseHash(l.KeyHash, "proof.leaf.key_hash"), ParseHash(l.ValueHash, "proof.leaf.value_hash")) : null;
        List<string> siblings = body.Siblings ?? throw new CodecException("proof.siblings: missing");
        if (siblings.Count > StateHashing.MaxDepth)
        {
            throw new CodecException($"proof.siblings: {siblings.Count}, more than the tree's {StateHashing.MaxDepth} levels");
        }

        var proof = new StateProof(leaf, [.. siblings.Select((s, i) => ParseHash(s, $"proof.siblings[{i}]"))]);
        byte[] key = System.Text.Encoding.UTF8.GetBytes(doc.Key);
        byte[]? value = doc.Value is null ? null : System.Text.Encoding.UTF8.GetBytes(doc.Value);
        if (key.Length > LedgerLimits.MaxKeyBytes || value?.Length > LedgerLimits.MaxValueBytes)
        {
            throw new CodecException("key or value: longer than the ledger allows");
        }

        return new KvProof(header, certificate, key, value, proof);
    }

    private delegate T Reader<out T>(ref CanonicalReader r);

    private static T Decode<T>(string? hex, string field, Reader<T> read)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex ?? throw new CodecException($"{field}: missing"));
        }
        catch (FormatException)
        {
            throw new CodecException($"{field}: not hex");
        }

        var r = new CanonicalReader(bytes);
        T value = read(ref r);
        r.EnsureEnd(field);
        return value;
    }

    private static Hash32 ParseHash(string? hex, string field) =>
        Hash32.TryParse(hex, out Hash32 h) ? h : throw new CodecException($"{field}: expected 64 hex characters, got '{hex}'");

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(KvProofJson))]
internal sealed partial class KvProofJsonContext : JsonSerializerContext;
