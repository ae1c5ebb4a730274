using System.Diagnostics.Metrics;

namespace Aegis.Knowledge.Monitoring;

/// <summary>The service's instruments (meter "Aegis.Knowledge"), exposed on /metrics by the node's Prometheus exporter.</summary>
public sealed class KnowledgeMetrics : IDisposable
{
    public const string MeterName = "Aegis.Knowledge";

    private readonly Meter _meter = new(MeterName);

    public KnowledgeMetrics(Func<long> points, Func<long> documents)
    {
        Documents = _meter.CreateCounter<long>("aegis_knowledge_documents_ingested_total", description: "documents indexed since start");
        Rejected = _meter.CreateCounter<long>("aegis_knowledge_documents_rejected_total", description: "uploads refused (unsupported, damaged, empty, too large)");
        Chunks = _meter.CreateCounter<long>("aegis_knowledge_chunks_indexed_total", description: "chunks embedded and indexed since start");
        IngestSeconds = _meter.CreateHistogram<double>("aegis_knowledge_ingest_seconds", "s", "upload to indexed, per document");
        QuerySeconds = _meter.CreateHistogram<double>("aegis_knowledge_query_seconds", "s", "question to sources (retrieval only, answer generation excluded)");
        Queries = _meter.CreateCounter<long>("aegis_knowledge_queries_total", description: "questions answered");
        _meter.CreateObservableGauge("aegis_knowledge_points", points, description: "vectors held in memory across collections");
        _meter.CreateObservableGauge("aegis_knowledge_documents", documents, description: "documents stored");
    }

    public Counter<long> Documents { get; }

    public Counter<long> Rejected { get; }

    public Counter<long> Chunks { get; }

    public Histogram<double> IngestSeconds { get; }

    public Histogram<double> QuerySeconds { get; }

    public Counter<long> Queries { get; }

    public void Dispose() => _meter.Dispose();
}
