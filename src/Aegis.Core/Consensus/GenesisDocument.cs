using System.Text.Json;
using System.Text.Json.Serialization;
using Aegis.Core.Crypto;

namespace Aegis.Core.Consensus;

/// <summary>
/// The JSON form of <see cref="Genesis"/> (genesis.json): what operators read, diff and distribute. Parsing is
/// strict and reports every problem with its JSON path.
/// </summary>
public sealed class GenesisDocument
{
    [JsonPropertyName("chain_id")]
    public string? ChainId { get; set; }

    [JsonPropertyName("genesis_time_ms")]
    public long GenesisTimeMs { get; set; }

    [JsonPropertyName("consensus")]
    public GenesisConsensus? Consensus { get; set; }

    [JsonPropertyName("validators")]
    public List<GenesisValidator>? Validators { get; set; }

    public static GenesisDocument From(Genesis genesis) => new()
    {
        ChainId = genesis.ChainId,
        GenesisTimeMs = genesis.GenesisTimeMs,
        Consensus = new GenesisConsensus
        {
            CheckpointInterval = genesis.Parameters.CheckpointInterval,
            PipelineDepth = genesis.Parameters.PipelineDepth,
            DedupHorizonBlocks = genesis.Parameters.DedupHorizonBlocks,
        },
        Validators = [.. genesis.Validators.All.Select(v => new GenesisValidator { Id = v.Id, PublicKey = v.PublicKey.ToString(), Address = v.Address })],
    };

    public string ToJson() => JsonSerializer.Serialize(this, GenesisJsonContext.Default.GenesisDocument);

    /// <summary>Parses and validates genesis JSON; on failure <paramref name="problems"/> lists one line per problem.</summary>
    public static Genesis? Parse(string json, out List<string> problems)
    {
        problems = [];
        GenesisDocument? doc;
        try
        {
            doc = JsonSerializer.Deserialize(json, GenesisJsonContext.Default.GenesisDocument);
        }
        catch (JsonException ex)
        {
            problems.Add($"genesis: not valid JSON ({ex.Message})");
            return null;
        }

        if (doc is null)
        {
            problems.Add("genesis: empty document");
            return null;
        }

        return doc.ToGenesis(problems);
    }

    private Genesis? ToGenesis(List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(ChainId))
        {
            problems.Add("genesis.chain_id: missing — expected a non-empty chain id");
        }

        var parameters = new ConsensusParameters
        {
            CheckpointInterval = Consensus?.CheckpointInterval ?? new ConsensusParameters().CheckpointInterval,
            PipelineDepth = Consensus?.PipelineDepth ?? new ConsensusParameters().PipelineDepth,
            DedupHorizonBlocks = Consensus?.DedupHorizonBlocks ?? new ConsensusParameters().DedupHorizonBlocks,
        };
        string? parameterProblem = parameters.Validate();
        if (parameterProblem is not null)
        {
            problems.Add("genesis.consensus." + parameterProblem);
        }

        var validators = new List<Validator>();
        if (Validators is null || Validators.Count == 0)
        {
            problems.Add("genesis.validators: missing — expected at least one validator");
        }
        else
        {
            for (int i = 0; i < Validators.Count; i++)
            {
                GenesisValidator v = Validators[i];
                string path = $"genesis.validators[{i}]";
                if (string.IsNullOrWhiteSpace(v.Id))
                {
                    problems.Add($"{path}.id: missing");
                }

                PublicKey? key = null;
                try
                {
                    key = PublicKey.Parse(v.PublicKey ?? "");
                }
                catch (FormatException ex)
                {
                    problems.Add($"{path}.public_key: {ex.Message}");
                }

                if (key is not null && !string.IsNullOrWhiteSpace(v.Id))
                {
                    validators.Add(new Validator((ushort)i, v.Id!, key, v.Address ?? ""));
                }
            }
        }

        if (problems.Count > 0)
        {
            return null;
        }

        try
        {
            return new Genesis(ChainId!, GenesisTimeMs, new ValidatorSet(validators), parameters);
        }
        catch (ArgumentException ex)
        {
            problems.Add($"genesis: {ex.Message}");
            return null;
        }
    }
}

public sealed class GenesisConsensus
{
    [JsonPropertyName("checkpoint_interval")]
    public int? CheckpointInterval { get; set; }

    [JsonPropertyName("pipeline_depth")]
    public int? PipelineDepth { get; set; }

    [JsonPropertyName("dedup_horizon_blocks")]
    public int? DedupHorizonBlocks { get; set; }
}

public sealed class GenesisValidator
{
    [JsonPropertyName("id")]
    public string? Id { get; set; }

    [JsonPropertyName("public_key")]
    public string? PublicKey { get; set; }

    /// <summary>host:port of the validator's P2P listener.</summary>
    [JsonPropertyName("address")]
    public string? Address { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(GenesisDocument))]
internal sealed partial class GenesisJsonContext : JsonSerializerContext;
