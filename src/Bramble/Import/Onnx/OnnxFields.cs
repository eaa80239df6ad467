namespace Bramble.Import.Onnx;

/// <summary>
/// Field numbers of onnx.proto that the reader and writer use. Kept in one place so both sides agree;
/// the names follow the .proto file.
/// </summary>
internal static class OnnxFields
{
    public static class Model
    {
        public const int IrVersion = 1, ProducerName = 2, ProducerVersion = 3, Domain = 4, ModelVersion = 5,
            DocString = 6, Graph = 7, OpsetImport = 8, MetadataProps = 14, TrainingInfo = 20, Functions = 25;
    }

    public static class OperatorSetId
    {
        public const int Domain = 1, Version = 2;
    }

    public static class StringStringEntry
    {
        public const int Key = 1, Value = 2;
    }

    public static class Graph
    {
        public const int Node = 1, Name = 2, Initializer = 5, DocString = 10, Input = 11, Output = 12,
            ValueInfo = 13, QuantizationAnnotation = 14, SparseInitializer = 15;
    }

    public static class Node
    {
        public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5, DocString = 6, Domain = 7;
    }

    public static class Attribute
    {
        public const int Name = 1, F = 2, I = 3, S = 4, T = 5, G = 6, Floats = 7, Ints = 8, Strings = 9,
            Tensors = 10, Graphs = 11, DocString = 13, Tp = 14, TypeProtos = 15, Type = 20, RefAttrName = 21,
            SparseTensor = 22, SparseTensors = 23;
    }

    public static class ValueInfo
    {
        public const int Name = 1, Type = 2, DocString = 3;
    }

    public static class TypeProto
    {
        public const int TensorType = 1, SequenceType = 4, MapType = 5, Denotation = 6, SparseTensorType = 8,
            OptionalType = 9;
    }

    public static class TypeTensor
    {
        public const int ElemType = 1, Shape = 2;
    }

    public static class TensorShape
    {
        public const int Dim = 1;
    }

    public static class Dimension
    {
        public const int DimValue = 1, DimParam = 2, Denotation = 3;
    }

    public static class Tensor
    {
        public const int Dims = 1, DataType = 2, Segment = 3, FloatData = 4, Int32Data = 5, StringData = 6,
            Int64Data = 7, Name = 8, RawData = 9, DoubleData = 10, UInt64Data = 11, DocString = 12,
            ExternalData = 13, DataLocation = 14;

        /// <summary>TensorProto.DataLocation.EXTERNAL.</summary>
        public const int LocationExternal = 1;
    }

    public static class SparseTensor
    {
        public const int Values = 1, Indices = 2, Dims = 3;
    }
}
