using Nkdump.Kernel.Btf;

namespace Nkdump.Kernel.Tests.Btf;

/// <summary>BTF the fuzzer (fuzz/README.md) found, rebuilt here: each once crashed the process or threw the wrong exception.</summary>
public class BtfFuzzRegressionTests
{
    [Fact]
    public void An_array_of_itself_is_refused_not_a_stack_overflow()
    {
        // btf, stack overflow: BTF_KIND_ARRAY type 2 whose element type is 2. SizeOf recursed into the
        // element for ever and the process died (StackOverflow cannot be caught).
        var b = new BtfBlob();
        var intId = b.Int("int", 4, signed: true); // 1
        var array = b.Array(2, intId, 4);          // 2: int-indexed array of itself
        var btf = BtfParser.Parse(b.Build(), "test");
        Assert.Throws<BtfException>(() => btf.SizeOf(array));
    }

    [Fact]
    public void An_array_too_large_for_64_bits_is_refused_not_an_overflow()
    {
        // Nested arrays of 2^32-1 elements: the size does not fit in a long (OverflowException before).
        var b = new BtfBlob();
        var intId = b.Int("int", 4, signed: true);             // 1
        var inner = b.Array(intId, intId, uint.MaxValue);      // 2
        var outer = b.Array(inner, intId, uint.MaxValue);      // 3
        var btf = BtfParser.Parse(b.Build(), "test");
        Assert.Equal(4L * uint.MaxValue, btf.SizeOf(inner));
        var e = Assert.Throws<BtfException>(() => btf.SizeOf(outer));
        Assert.Contains("does not fit in 64 bits", e.Message);
    }

    [Fact]
    public void A_function_returning_a_pointer_to_itself_is_refused_not_a_stack_overflow()
    {
        // btf, stack overflow: FUNC_PROTO 2 returns PTR 3, which points at 2. TypeName recursed into
        // the return type for ever.
        var b = new BtfBlob();
        b.Int("int", 4, signed: true);  // 1
        var proto = b.FuncProto(3);     // 2: returns type 3
        b.Ptr(proto);                   // 3: pointer to 2
        var btf = BtfParser.Parse(b.Build(), "test");
        Assert.Throws<BtfException>(() => btf.TypeName(proto));
    }

    [Fact]
    public async Task A_struct_of_two_anonymous_members_of_itself_is_searched_once_not_2_to_the_64_times()
    {
        // btf, hang (long fuzz run of 2026-12-07): struct 2 has two anonymous members of type 2. FindMember
        // descended into both, 64 levels deep: 2^64 searches for a name the struct does not have.
        var b = new BtfBlob();
        var intId = b.Int("int", 4, signed: true);                                     // 1
        var loop = b.Struct("loop", 8, false, ("", 2, 0, 0), ("", 2, 0, 0), ("a", intId, 0, 0)); // 2
        var btf = BtfParser.Parse(b.Build(), "test");
        var missing = await Task.Run(() => btf.FindMember(loop, "next")).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Null(missing);
        Assert.Equal(0, btf.FindMember(loop, "a")!.Value.BitOffset);
    }
}
