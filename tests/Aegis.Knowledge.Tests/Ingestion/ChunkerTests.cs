using Aegis.Knowledge.Chunking;
using Aegis.Knowledge.Ingestion;
using Aegis.Knowledge.Tests.Support;

namespace Aegis.Knowledge.Tests.Ingestion;

[Collection(ModelCollection.Name)]
public class ChunkerTests(ModelFixture model)
{
    private static readonly string Text = string.Join(" ", Enumerable.Range(1, 120).Select(i => $"Sentence number {i} describes the supersonic flow over wing section {i}."));

    [Fact]
    public void Every_chunk_fits_the_token_budget_as_the_model_counts_it()
    {
        var chunker = new TokenChunker(model.Embedder, 64, 16);
        List<Chunk> chunks = chunker.Split([new DocumentSection(Text, 3, "Flow")]);
        Assert.True(chunks.Count > 10);
        foreach (Chunk c in chunks)
        {
            int tokens = model.Embedder.Count(c.Text);
            Assert.InRange(tokens, 1, 64);
            Assert.Equal(3, c.Page);
            Assert.Equal("Flow", c.Heading);
        }
    }

    [Fact]
    public void Chunks_overlap_and_together_cover_the_whole_text()
    {
        var chunker = new TokenChunker(model.Embedder, 64, 16);
        List<Chunk> chunks = chunker.Split([new DocumentSection(Text, null, null)]);
        Assert.Equal(0, chunks[0].Offset);
        Assert.EndsWith(chunks[^1].Text, Text, StringComparison.Ordinal);
        for (int i = 1; i < chunks.Count; i++)
        {
            int previousEnd = chunks[i - 1].Offset + chunks[i - 1].Text.Length;
            Assert.True(chunks[i].Offset < previousEnd, $"chunk {i} starts at {chunks[i].Offset}, after the previous chunk ends at {previousEnd}: no overlap");
            Assert.True(chunks[i].Offset > chunks[i - 1].Offset, "no progress");
            Assert.Equal(Text.Substring(chunks[i].Offset, chunks[i].Text.Length), chunks[i].Text);
        }
    }

    [Fact]
    public void Chunks_end_on_sentence_boundaries_when_one_is_in_reach()
    {
        var chunker = new TokenChunker(model.Embedder, 64, 16);
        List<Chunk> chunks = chunker.Split([new DocumentSection(Text, null, null)]);
        Assert.All(chunks, c => Assert.EndsWith(".", c.Text, StringComparison.Ordinal));
        Assert.All(chunks.Skip(1), c => Assert.StartsWith("Sentence", c.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void The_original_recipe_cuts_fixed_character_windows()
    {
        List<Chunk> chunks = CharacterChunker.Split([new DocumentSection(new string('x', 2500), null, null)], 1000, 200);
        Assert.Equal([0, 800, 1600], chunks.Select(c => c.Offset));
        Assert.Equal([1000, 1000, 900], chunks.Select(c => c.Text.Length));
    }
}
