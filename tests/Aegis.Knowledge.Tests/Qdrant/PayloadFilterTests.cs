using System.Text.Json.Nodes;
using Aegis.Knowledge.Qdrant;
using Aegis.Knowledge.Retrieval;

namespace Aegis.Knowledge.Tests.Qdrant;

public class PayloadFilterTests
{
    private static readonly Point Doc = new("5", [1], (JsonObject)JsonNode.Parse("""{"city":"London","tags":["a","b"],"meta":{"year":2019},"empty":[],"none":null}""")!, null, null, null);

    [Theory]
    [InlineData("""{"must":[{"key":"city","match":{"value":"London"}}]}""", true)]
    [InlineData("""{"must":[{"key":"city","match":{"value":"Paris"}}]}""", false)]
    [InlineData("""{"must":[{"key":"tags","match":{"value":"b"}}]}""", true)]
    [InlineData("""{"must":[{"key":"tags","match":{"any":["x","a"]}}]}""", true)]
    [InlineData("""{"must":[{"key":"city","match":{"except":["London"]}}]}""", false)]
    [InlineData("""{"must":[{"key":"city","match":{"text":"lond"}}]}""", true)]
    [InlineData("""{"must":[{"key":"meta.year","range":{"gte":2019,"lt":2020}}]}""", true)]
    [InlineData("""{"must":[{"key":"meta.year","range":{"gt":2019}}]}""", false)]
    [InlineData("""{"should":[{"key":"city","match":{"value":"Paris"}},{"has_id":[5]}]}""", true)]
    [InlineData("""{"must_not":[{"key":"city","match":{"value":"London"}}]}""", false)]
    [InlineData("""{"must":[{"is_empty":{"key":"empty"}},{"is_null":{"key":"none"}}]}""", true)]
    [InlineData("""{"must":[{"is_empty":{"key":"city"}}]}""", false)]
    [InlineData("""{"must":[{"must_not":[{"key":"meta.year","match":{"value":2018}}]}]}""", true)]
    public void Conditions_match_as_qdrant_defines_them(string filter, bool expected) =>
        Assert.Equal(expected, PayloadFilter.Parse(JsonNode.Parse(filter))!(Doc));

    [Theory]
    [InlineData("""{"must":[{"key":"city","matches":{"value":"x"}}]}""", "filter.must[0]")]
    [InlineData("""{"must":[{"match":{"value":"x"}}]}""", "filter.must[0].key")]
    [InlineData("""{"shall":[]}""", "filter.shall")]
    [InlineData("""{"must":[{"key":"n","range":{"gt":"ten"}}]}""", "filter.must[0].range.gt")]
    public void A_bad_filter_is_refused_naming_the_offending_part(string filter, string path)
    {
        var ex = Assert.Throws<KnowledgeException>(() => PayloadFilter.Parse(JsonNode.Parse(filter)));
        Assert.Equal(400, ex.Status);
        Assert.StartsWith(path, ex.Message, StringComparison.Ordinal);
    }
}
