#version 330
// Linear distance (metres) rather than the projective depth: the projector compares distances,
// with a tolerance that stays the same near and far.
in vec3 v_view;
out vec4 frag_color;

void main() {
    frag_color = vec4(length(v_view), 0.0, 0.0, 1.0);
}
