"""Keras's operation classes for the functions of ``keras.ops``: a table of facts.

A Keras 3 functional model saves a call of ``keras.ops.mean(x, axis=1)`` as
an instance of the class ``Mean`` (module ``keras.src.ops.numpy``) whose
config holds the call's non-tensor arguments (``axis``, ``keepdims``), and a
node whose arguments are the call's tensors (``x``). Each entry below reads
``function(tensor arguments)``, or ``function:ClassName(tensor arguments)``
when the class is not the function's name in CamelCase; ``*name`` takes any
number of them. The tensor arguments are named as the function names them,
in the order the class's ``call`` takes them; every other argument of the
function is the class's config.
``parity_tests/test_symbolic_parity.py`` checks the table against Keras.
"""

KERAS_OPERATIONS = {
    "numpy": """
        abs:Absolute(x) absolute(x) add(x1,x2) all(x) allclose:AllClose(x1,x2) amax(x) amin(x)
        angle(x) any(x) append(x1,x2) arange(start,stop,step) arccos(x) arccosh(x) arcsin(x)
        arcsinh(x) arctan(x) arctan2(x1,x2) arctanh(x) argmax(x) argmin(x) argpartition(x)
        argsort(x) array(x) array_split(x) average(x,weights) bincount(x) bitwise_and(x,y)
        bitwise_invert(x) bitwise_left_shift(x,y) bitwise_not(x) bitwise_or(x,y)
        bitwise_right_shift(x,y) bitwise_xor(x,y) broadcast_to(x) cbrt(x) ceil(x) clip(x)
        concatenate(xs) conj:Conjugate(x) conjugate(x) copy(x) corrcoef(x) correlate(x1,x2)
        cos(x) cosh(x) count_nonzero(x) cross(x1,x2) cumprod(x) cumsum(x) deg2rad(x) diag(x)
        diagflat(x) diagonal(x) diff(a) digitize(x,bins) divide(x1,x2) divide_no_nan(x1,x2)
        dot(x1,x2) dsplit(x) dstack(xs) einsum(*operands) empty_like(x) equal(x1,x2) exp(x)
        exp2(x) expand_dims(x) expm1(x) fabs(x) flip(x) fliplr(x) flipud(x) floor(x)
        floor_divide(x1,x2) fmax(x1,x2) fmin(x1,x2) fmod(x1,x2) full(fill_value)
        full_like(x,fill_value) gcd(x1,x2) geomspace(start,stop) get_item(x,key) greater(x1,x2)
        greater_equal(x1,x2) heaviside(x1,x2) histogram(x) hsplit(x) hstack(xs) hypot(x1,x2)
        i0(x) imag(x) inner(x1,x2) isclose(x1,x2,rtol,atol) isfinite(x) isin:IsIn(x1,x2)
        isinf(x) isnan(x) isneginf(x) isposinf(x) isreal(x) kron(x1,x2) lcm(x1,x2) ldexp(x1,x2)
        left_shift(x,y) less(x1,x2) less_equal(x1,x2) linspace(start,stop) log(x) log10(x)
        log1p(x) log2(x) logaddexp(x1,x2) logaddexp2(x1,x2) logical_and(x1,x2) logical_not(x)
        logical_or(x1,x2) logical_xor(x1,x2) logspace(start,stop) matmul(x1,x2) max(x)
        maximum(x1,x2) mean(x) median(x) meshgrid(*x) min(x) minimum(x1,x2) mod(x1,x2)
        moveaxis(x) multiply(x1,x2) nan_to_num(x) nanargmax(x) nanargmin(x) nancumprod(x)
        nancumsum(x) nanmax(x) nanmean(x) nanmedian(x) nanmin(x) nanpercentile(x,q) nanprod(x)
        nanquantile(x,q) nanstd(x) nansum(x) nanvar(x) ndim(x) negative(x) nextafter(x1,x2)
        nonzero(x) not_equal(x1,x2) ones_like(x) outer(x1,x2) pad(x,constant_values)
        percentile(x,q) power(x1,x2) prod(x) ptp(x) quantile(x,q) rad2deg(x) ravel(x) real(x)
        reciprocal(x) repeat(x) reshape(x) right_shift(x,y) roll(x) rot90(array) round(x)
        searchsorted:SearchSorted(sorted_sequence,values) select(condlist,choicelist,default)
        sign(x) signbit(x) sin(x) sinc(x) sinh(x) size(x) slogdet(x) sort(x) split(x) sqrt(x)
        square(x) squeeze(x) stack(x) std(x) subtract(x1,x2) sum(x) swapaxes(x) take(x,indices)
        take_along_axis(x,indices) tan(x) tanh(x) tensordot(x1,x2) tile(x) trace(x) transpose(x)
        trapezoid(y) tril(x) triu(x) true_divide(x1,x2) trunc(x) unique(x)
        unravel_index(indices) vander(x) var(x) vdot(x1,x2) view(x) vsplit(x) vstack(xs)
        where(condition,x1,x2) zeros_like(x)
    """,
    "nn": """
        adaptive_average_pool(inputs) adaptive_max_pool(inputs) average_pool(inputs)
        batch_normalization:BatchNorm(x,mean,variance,offset,scale)
        binary_crossentropy(target,output) categorical_crossentropy(target,output) celu(x)
        conv(inputs,kernel) conv_transpose(inputs,kernel)
        ctc_decode:CTCDecode(inputs,sequence_lengths)
        ctc_loss:CTCLoss(target,output,target_length,output_length) depth_to_space(x)
        depthwise_conv(inputs,kernel) dot_product_attention(query,key,value,bias,mask,scale)
        elu(x) fold(x) gelu(x) glu(x) hard_shrink(x) hard_sigmoid(x) hard_silu(x)
        hard_swish:HardSilu(x) hard_tanh(x) layer_normalization:LayerNorm(x,gamma,beta)
        leaky_relu(x) log_sigmoid(x) log_softmax(x) max_pool(inputs) moments(x)
        multi_hot(inputs) normalize(x) one_hot(x) polar(abs_,angle) psnr:PSNR(x1,x2) relu(x)
        relu6(x) rms_normalization:RMSNorm(x,scale) selu(x)
        separable_conv(inputs,depthwise_kernel,pointwise_kernel) sigmoid(x) silu(x)
        soft_shrink(x) softmax(x) softplus(x) softsign(x) space_to_depth(x)
        sparse_categorical_crossentropy(target,output) sparse_plus(x) sparse_sigmoid(x)
        sparsemax(x) squareplus(x) swish:Silu(x) tanh_shrink(x) threshold(x) unfold(x)
    """,
    "core": """
        associative_scan(f,elems) cast(x) cond(pred,true_fn,false_fn) convert_to_tensor(x)
        fori_loop(init_val) map(f,xs) saturate_cast(x) scan(f,init,xs) scatter(indices,values)
        scatter_update(inputs,indices,updates) slice(inputs,start_indices)
        slice_update(inputs,start_indices,updates) stop_gradient(variable)
        switch(index,branches,*operands) unstack(x) vectorized_map(elements)
        while_loop(loop_vars)
    """,
    "math": """
        cdist:CDist(x,y) erf(x) erfc(x) erfinv(x) extract_sequences(x) fft:FFT(x) fft2:FFT2(x)
        ifft2:IFFT2(x) in_top_k(targets,predictions) irfft:IRFFT(x) istft:ISTFT(x) logdet(x)
        logsumexp(x) rfft:RFFT(x) rsqrt(x) segment_max(data,segment_ids)
        segment_min(data,segment_ids) segment_prod(data,segment_ids)
        segment_sum(data,segment_ids) stft:STFT(x) top_k(x) view_as_complex(x) view_as_real(x)
    """,
    "linalg": """
        cholesky(x) cholesky_inverse(x) det(x) eig(x) eigh(x) inv(x)
        jvp:JVP(fun,primals,tangents) lstsq(a,b) lu_factor(x) matrix_rank(x) norm(x) pinv(x)
        qr(x) solve(a,b) solve_triangular(a,b) svd:SVD(x)
    """,
    "image": """
        affine_transform(images,transform) crop_images(images) elastic_transform(images)
        extract_patches(images) extract_patches_3d:ExtractPatches(volumes) gaussian_blur(images)
        hsv_to_rgb:HSVToRGB(images) map_coordinates(inputs,coordinates) pad_images(images)
        perspective_transform(images,start_points,end_points) resize(images)
        rgb_to_grayscale:RGBToGrayscale(images) rgb_to_hsv:RGBToHSV(images)
        scale_and_translate(images,output_shape,scale,translation) sobel_edges(images)
        ssim:SSIM(image1,image2)
    """,
    "einops": """
        rearrange(tensor,pattern)
    """,
}

# Functions that give a plain value for a KerasTensor (its shape, its dtype)
# or refuse it, as in Keras, instead of recording an operation.
NOT_OPERATIONS = frozenset({"shape", "dtype", "is_tensor", "convert_to_numpy"})

# minikeras spellings of Keras's functions.
ALIASES = {"getitem": "get_item"}
